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
}
