using System.Text.Json;
using Xunit;

namespace PhoneSupport.Tests.Twilio;

/// <summary>One entry of <c>Vectors/twilio-signature-vectors.json</c>.</summary>
public sealed record SignatureVector(
    string Source,
    string AuthToken,
    string Url,
    IReadOnlyList<KeyValuePair<string, string?>>? Params,
    string? Body,
    string Signature,
    bool Valid,
    string? SignedUrl);

/// <summary>Loads the vectors once from the test output directory.</summary>
public static class SignatureVectors
{
    private static readonly Lazy<IReadOnlyList<SignatureVector>> Loaded = new(Load);

    public static IReadOnlyList<SignatureVector> All => Loaded.Value;

    /// <summary>Theory rows: the index (to look the vector up) and its source (to name the row).</summary>
    public static TheoryData<int, string> Rows(Func<SignatureVector, bool> filter)
    {
        var rows = new TheoryData<int, string>();
        for (var i = 0; i < All.Count; i++)
        {
            if (filter(All[i]))
            {
                rows.Add(i, All[i].Source);
            }
        }

        return rows;
    }

    private static List<SignatureVector> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Vectors", "twilio-signature-vectors.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().Select(Parse).ToList();
    }

    private static SignatureVector Parse(JsonElement e) => new(
        Source: e.GetProperty("source").GetString()!,
        AuthToken: e.GetProperty("authToken").GetString()!,
        Url: e.GetProperty("url").GetString()!,
        Params: e.TryGetProperty("params", out var p) ? ParseParams(p) : null,
        Body: e.TryGetProperty("body", out var b) ? b.GetString() : null,
        Signature: e.GetProperty("signature").GetString()!,
        Valid: e.GetProperty("valid").GetBoolean(),
        SignedUrl: e.TryGetProperty("signedUrl", out var s) ? s.GetString() : null);

    /// <summary>Values may be a string, null, or an array of strings (a repeated form field).</summary>
    private static List<KeyValuePair<string, string?>> ParseParams(JsonElement parameters)
    {
        var list = new List<KeyValuePair<string, string?>>();
        foreach (var property in parameters.EnumerateObject())
        {
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Array:
                    list.AddRange(property.Value.EnumerateArray().Select(v => KeyValuePair.Create(property.Name, v.GetString())));
                    break;
                case JsonValueKind.Null:
                    list.Add(KeyValuePair.Create(property.Name, (string?)null));
                    break;
                default:
                    list.Add(KeyValuePair.Create(property.Name, property.Value.GetString()));
                    break;
            }
        }

        return list;
    }
}
