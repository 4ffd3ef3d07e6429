using System.Text.Json;

namespace PhoneSupport.Tests.Stripe;

/// <summary>One entry of <c>Vectors/stripe-signature-vectors.json</c> (research/stripe.md §3.1).</summary>
public sealed record StripeSignatureVector(
    string Source, string Secret, string Payload, string Header, long Now, long Tolerance, bool Valid, string Why)
{
    public DateTimeOffset NowInstant => DateTimeOffset.FromUnixTimeSeconds(Now);

    /// <summary><c>long.MaxValue</c> seconds (stripe-dotnet's "no age check") does not fit a TimeSpan: it becomes the largest one.</summary>
    public TimeSpan ToleranceSpan => Tolerance >= (long)TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(Tolerance);
}

/// <summary>Loads the vectors once from the test output directory.</summary>
public static class StripeSignatureVectors
{
    private static readonly Lazy<IReadOnlyList<StripeSignatureVector>> Loaded = new(Load);

    public static IReadOnlyList<StripeSignatureVector> All => Loaded.Value;

    /// <summary>Theory rows: the index (to look the vector up) and its source (to name the row).</summary>
    public static TheoryData<int, string> Rows(Func<StripeSignatureVector, bool> filter)
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

    private static List<StripeSignatureVector> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Vectors", "stripe-signature-vectors.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().Select(e => new StripeSignatureVector(
            e.GetProperty("source").GetString()!,
            e.GetProperty("secret").GetString()!,
            e.GetProperty("payload").GetString()!,
            e.GetProperty("header").GetString()!,
            e.GetProperty("now").GetInt64(),
            e.GetProperty("tolerance").GetInt64(),
            e.GetProperty("valid").GetBoolean(),
            e.GetProperty("why").GetString()!)).ToList();
    }
}
