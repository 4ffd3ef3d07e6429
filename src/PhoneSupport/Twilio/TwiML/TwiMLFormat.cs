using System.Globalization;
using System.Text;

namespace PhoneSupport.Twilio.TwiML;

/// <summary>How attribute values are spelled on the wire.</summary>
internal static class TwiMLFormat
{
    public static KeyValuePair<string, string?> Attr(string name, string? value) => new(name, value);

    public static string? Int(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    public static string? Bool(bool? value) => value switch
    {
        true => "true",
        false => "false",
        null => null,
    };

    /// <summary>The URL exactly as given: no normalisation, relative URLs stay relative.</summary>
    public static string? Url(Uri? value) => value?.OriginalString;

    public static string? Method(HttpMethod? value) => value?.Method.ToUpperInvariant();

    public static string? Kebab<TEnum>(TEnum? value)
        where TEnum : struct, Enum => value is { } v ? ToKebab(v.ToString()) : null;

    /// <summary>Distinct values in the order given, joined with one space; <c>null</c> when none.</summary>
    public static string? SpaceJoined<TEnum>(IEnumerable<TEnum>? values)
        where TEnum : struct, Enum
    {
        if (values is null)
        {
            return null;
        }

        var words = values.Distinct().Select(v => ToKebab(v.ToString())).ToList();
        return words.Count == 0 ? null : string.Join(' ', words);
    }

    public static string? Input(GatherInput? input) => input switch
    {
        null => null,
        GatherInput.Dtmf => "dtmf",
        GatherInput.Speech => "speech",
        GatherInput.DtmfSpeech => "dtmf speech",
        _ => throw new ArgumentOutOfRangeException(nameof(input), input, "Gather input must be dtmf, speech or both."),
    };

    /// <summary><c>RecordFromAnswerDual</c> → <c>record-from-answer-dual</c>.</summary>
    public static string ToKebab(string pascal)
    {
        var builder = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c) && i > 0)
            {
                builder.Append('-');
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }
}
