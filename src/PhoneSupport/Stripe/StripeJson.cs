using System.Globalization;
using System.Text.Json;

namespace PhoneSupport.Stripe;

/// <summary>Lenient readers for Stripe JSON: absent members and nulls read as null, never as an exception.</summary>
internal static class StripeJson
{
    public static JsonElement Child(this JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) ? value : default;

    public static string? Text(this JsonElement json, string name) => json.Child(name) switch
    {
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } value => value.GetRawText(),
        _ => null,
    };

    public static string RequiredText(this JsonElement json, string name) =>
        json.Text(name) ?? throw new JsonException($"Stripe JSON lacks '{name}'.");

    public static long? Long(this JsonElement json, string name) =>
        long.TryParse(json.Text(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static DateTimeOffset? UnixTime(this JsonElement json, string name) =>
        json.Long(name) is { } seconds and >= -62135596800 and <= 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    /// <summary><c>metadata</c> as strings (Stripe keeps only strings there).</summary>
    public static IReadOnlyDictionary<string, string> Metadata(this JsonElement json)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json.Child("metadata") is { ValueKind: JsonValueKind.Object } members)
        {
            foreach (var member in members.EnumerateObject())
            {
                metadata[member.Name] = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString()! : member.Value.GetRawText();
            }
        }

        return metadata;
    }
}
