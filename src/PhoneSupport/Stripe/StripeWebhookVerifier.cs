using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PhoneSupport.Stripe;

/// <summary>Why a webhook was refused.</summary>
public enum StripeWebhookFailure
{
    None,
    /// <summary>No webhook secret is configured: nothing can be verified.</summary>
    NoSecret,
    /// <summary>No <c>Stripe-Signature</c> header, or an empty one.</summary>
    MissingHeader,
    /// <summary>The header lacks a numeric <c>t=</c> or any non-empty <c>v1=</c>.</summary>
    MalformedHeader,
    /// <summary>No <c>v1</c> is the HMAC of this payload under this secret (wrong secret, altered or re-encoded body).</summary>
    NoMatchingSignature,
    /// <summary>Authentic, but <c>t</c> is further than the tolerance from now (a replay, or a skewed clock).</summary>
    TimestampOutsideTolerance,
    /// <summary>Authentic and on time, but not an event: no <c>id</c>, <c>type</c>, <c>created</c> or <c>data.object</c>.</summary>
    MalformedPayload,
}

/// <summary>A verified event (research/stripe.md §4). <see cref="DataObjectJson"/> is <c>data.object</c> exactly as sent.</summary>
public sealed record StripeEvent(string Id, string Type, DateTimeOffset Created, string DataObjectJson)
{
    /// <summary>The version <c>data.object</c> was rendered with.</summary>
    public string? ApiVersion { get; init; }

    public bool Livemode { get; init; }

    /// <summary><c>request.idempotency_key</c>: the key of the API call that caused the event; null for automatic actions.</summary>
    public string? RequestIdempotencyKey { get; init; }
}

/// <summary>The outcome of <see cref="StripeWebhookVerifier.Verify(string, string?, DateTimeOffset, TimeSpan)"/>.</summary>
public sealed record StripeWebhookResult(StripeWebhookFailure Failure, StripeEvent? Event, DateTimeOffset? SignedAt)
{
    /// <summary>Authentic, on time, and an event: <see cref="Event"/> is set.</summary>
    public bool IsValid => Failure == StripeWebhookFailure.None;

    /// <summary>Some <c>v1</c> matched and <c>t</c> was within the tolerance, whatever the payload holds.</summary>
    public bool SignatureVerified => Failure is StripeWebhookFailure.None or StripeWebhookFailure.MalformedPayload;
}

/// <summary>
/// Checks <c>Stripe-Signature: t=…,v1=…[,v1=…][,v0=…]</c> (research/stripe.md §3): every <c>v1</c> is compared, in
/// constant time, with the lowercase hex HMAC-SHA256 of <c>"{t}.{payload}"</c> keyed with the UTF-8 bytes of the whole
/// secret (<c>whsec_</c> included); one match is enough (Stripe sends one per active secret while a secret is rolled);
/// other schemes such as <c>v0</c> are ignored. Then <c>|now − t|</c> must not exceed the tolerance (stripe-dotnet's rule:
/// a timestamp from the future is refused too). Verify the raw body exactly as received, before any JSON binding.
/// Never throws on what a sender controls.
/// </summary>
public sealed class StripeWebhookVerifier
{
    /// <summary>The SDKs' default tolerance.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromSeconds(300);

    private readonly byte[]? _key;

    /// <param name="secret">The endpoint's signing secret; empty makes every verification fail with <see cref="StripeWebhookFailure.NoSecret"/>.</param>
    public StripeWebhookVerifier(string secret) =>
        _key = string.IsNullOrEmpty(secret) ? null : Encoding.UTF8.GetBytes(secret);

    /// <summary>Verifies with <see cref="DefaultTolerance"/>.</summary>
    public StripeWebhookResult Verify(string payload, string? header, DateTimeOffset now) => Verify(payload, header, now, DefaultTolerance);

    /// <summary>Verifies <paramref name="payload"/> (the raw body) against <paramref name="header"/> at <paramref name="now"/>.</summary>
    public StripeWebhookResult Verify(string payload, string? header, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tolerance, TimeSpan.Zero);
        payload ??= "";
        if (_key is null)
        {
            return Fail(StripeWebhookFailure.NoSecret);
        }

        if (string.IsNullOrWhiteSpace(header))
        {
            return Fail(StripeWebhookFailure.MissingHeader);
        }

        if (!TryParseHeader(header, out var timestampText, out var timestamp, out var signatures))
        {
            return Fail(StripeWebhookFailure.MalformedHeader);
        }

        var signedAt = timestamp is >= -62135596800 and <= 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(timestamp) : (DateTimeOffset?)null;
        var expected = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(
            HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(timestampText + "." + payload))));
        var matched = false;
        foreach (var signature in signatures)
        {
            matched |= CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(signature));
        }

        if (!matched)
        {
            return new StripeWebhookResult(StripeWebhookFailure.NoMatchingSignature, null, signedAt);
        }

        var age = Math.Abs((decimal)now.ToUnixTimeSeconds() - timestamp);
        if (age > (decimal)tolerance.TotalSeconds)
        {
            return new StripeWebhookResult(StripeWebhookFailure.TimestampOutsideTolerance, null, signedAt);
        }

        var parsed = ParseEvent(payload);
        return new StripeWebhookResult(parsed is null ? StripeWebhookFailure.MalformedPayload : StripeWebhookFailure.None, parsed, signedAt);
    }

    /// <summary>Items are split on <c>,</c> and on their first <c>=</c>; unknown or nameless items are skipped.</summary>
    private static bool TryParseHeader(string header, out string timestampText, out long timestamp, out List<string> signatures)
    {
        timestampText = "";
        timestamp = 0;
        signatures = [];
        var haveTimestamp = false;
        foreach (var item in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var (name, value) = (item[..equals], item[(equals + 1)..]);
            if (name == "t" && !haveTimestamp)
            {
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out timestamp))
                {
                    return false;
                }

                (timestampText, haveTimestamp) = (value, true);
            }
            else if (name == "v1" && value.Length > 0)
            {
                signatures.Add(value);
            }
        }

        return haveTimestamp && signatures.Count > 0;
    }

    private static StripeEvent? ParseEvent(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            var json = document.RootElement;
            var dataObject = json.Child("data").Child("object");
            if (json.Child("id").ValueKind != JsonValueKind.String || json.Child("type").ValueKind != JsonValueKind.String
                || json.UnixTime("created") is not { } created || dataObject.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            return new StripeEvent(json.Text("id")!, json.Text("type")!, created, dataObject.GetRawText())
            {
                ApiVersion = json.Text("api_version"),
                Livemode = json.Child("livemode").ValueKind == JsonValueKind.True,
                RequestIdempotencyKey = json.Child("request").Text("idempotency_key"),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static StripeWebhookResult Fail(StripeWebhookFailure failure) => new(failure, null, null);
}
