using System.Globalization;
using System.Text;

namespace PhoneSupport.Domain.Identity;

/// <summary>
/// Turns a stored user name and what Twilio's speech recogniser heard into one comparable form, so
/// "Jane Doe", "jane.doe" and "jane dot doe" meet: lower case, accents folded, spoken punctuation words
/// ("dot", "underscore", "dash", "at") dropped, and everything but letters and digits removed.
/// </summary>
public static class UserNames
{
    private static readonly HashSet<string> SpokenPunctuation = ["dot", "point", "underscore", "dash", "hyphen", "minus", "at", "punkt", "strich", "unterstrich"];

    public static string Normalize(string text)
    {
        var folded = text.Normalize(NormalizationForm.FormD);
        var words = new StringBuilder();
        foreach (var ch in folded)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(ch) == UnicodeCategory.NonSpacingMark) continue;
            words.Append(char.IsLetterOrDigit(ch) ? char.ToLowerInvariant(ch) : ' ');
        }
        return string.Concat(words.ToString()
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(w => !SpokenPunctuation.Contains(w)));
    }

    /// <summary>
    /// The one candidate the recogniser most plausibly meant: an exact normalised match, else the single
    /// closest within an edit distance of about one per four characters (at least one). Two equally close
    /// candidates are no match: the caller is asked again rather than guessed at. A match is always
    /// confirmed with the caller ("press 1 if that is right") before it is used.
    /// </summary>
    public static T? BestMatch<T>(string spoken, IEnumerable<(T Item, string Normalized)> candidates) where T : class
    {
        var wanted = Normalize(spoken);
        if (wanted.Length == 0) return null;
        var allowed = Math.Max(1, (wanted.Length + 2) / 4);
        var scored = candidates.Select(c => (c.Item, Distance: Distance(wanted, c.Normalized)))
            .Where(c => c.Distance <= allowed).OrderBy(c => c.Distance).Take(2).ToList();
        return scored.Count switch
        {
            0 => null,
            1 => scored[0].Item,
            _ => scored[0].Distance < scored[1].Distance ? scored[0].Item : null,
        };
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
