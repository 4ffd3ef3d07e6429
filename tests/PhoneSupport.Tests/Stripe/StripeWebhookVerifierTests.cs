using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PhoneSupport.Stripe;

namespace PhoneSupport.Tests.Stripe;

public sealed class StripeWebhookVerifierTests
{
    private const string Secret = "whsec_unit_test_secret";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_767_225_600);

    public static TheoryData<int, string> AllVectors => StripeSignatureVectors.Rows(_ => true);

    public static TheoryData<int, string> ValidFiniteVectors => StripeSignatureVectors.Rows(v => v.Valid && v.Tolerance < 86_400);

    [Fact]
    public void Vectors_are_all_loaded()
    {
        Assert.Equal(40, StripeSignatureVectors.All.Count);
        Assert.Equal(12, StripeSignatureVectors.All.Count(v => v.Valid));
    }

    [Theory]
    [MemberData(nameof(AllVectors))]
    public void Verify_returns_the_vectors_verdict_and_the_specific_reason(int index, string source)
    {
        var vector = StripeSignatureVectors.All[index];

        var result = new StripeWebhookVerifier(vector.Secret).Verify(vector.Payload, vector.Header, vector.NowInstant, vector.ToleranceSpan);

        Assert.True(vector.Valid == result.SignatureVerified, $"{source}: expected valid={vector.Valid}, got {result.Failure} ({vector.Why})");
        Assert.Equal(ExpectedFailure(vector), result.Failure);
        if (result.IsValid)
        {
            using var payload = JsonDocument.Parse(vector.Payload);
            Assert.Equal(payload.RootElement.GetProperty("id").GetString(), result.Event!.Id);
            Assert.Equal(payload.RootElement.GetProperty("type").GetString(), result.Event.Type);
        }
        else
        {
            Assert.Null(result.Event);
        }
    }

    [Theory]
    [MemberData(nameof(ValidFiniteVectors))]
    public void A_valid_vector_checked_one_second_past_its_tolerance_is_refused_as_stale(int index, string source)
    {
        var vector = StripeSignatureVectors.All[index];
        var t = long.Parse(vector.Header.Split(',')[0][2..], System.Globalization.CultureInfo.InvariantCulture);

        var late = new StripeWebhookVerifier(vector.Secret)
            .Verify(vector.Payload, vector.Header, DateTimeOffset.FromUnixTimeSeconds(t + vector.Tolerance + 1), vector.ToleranceSpan);
        var early = new StripeWebhookVerifier(vector.Secret)
            .Verify(vector.Payload, vector.Header, DateTimeOffset.FromUnixTimeSeconds(t - vector.Tolerance - 1), vector.ToleranceSpan);

        Assert.True(late.Failure == StripeWebhookFailure.TimestampOutsideTolerance, source);
        Assert.True(early.Failure == StripeWebhookFailure.TimestampOutsideTolerance, source + " (future)");
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(t), late.SignedAt);
    }

    [Fact]
    public void A_full_event_yields_its_fields_and_data_object_exactly_as_sent()
    {
        var payload = "{\n  \"id\": \"evt_1\",\n  \"object\": \"event\",\n  \"api_version\": \"2024-06-20\",\n  \"created\": 1767225590,\n"
            + "  \"data\": {\n    \"object\": {\n      \"id\": \"in_1\",\n      \"amount_due\": 18000\n    }\n  },\n  \"livemode\": false,\n"
            + "  \"request\": { \"id\": \"req_1\", \"idempotency_key\": \"inc:INC-42:finalize\" },\n  \"type\": \"invoice.finalized\"\n}";
        var header = $"t={Now.ToUnixTimeSeconds() - 10},v1={Hmac(Secret, Now.ToUnixTimeSeconds() - 10, payload)}";

        var result = new StripeWebhookVerifier(Secret).Verify(payload, header, Now);

        Assert.True(result.IsValid, result.Failure.ToString());
        var e = result.Event!;
        Assert.Equal(("evt_1", "invoice.finalized", DateTimeOffset.FromUnixTimeSeconds(1767225590)), (e.Id, e.Type, e.Created));
        Assert.Equal("{\n      \"id\": \"in_1\",\n      \"amount_due\": 18000\n    }", e.DataObjectJson);
        Assert.Equal(("2024-06-20", false, "inc:INC-42:finalize"), (e.ApiVersion, e.Livemode, e.RequestIdempotencyKey));
    }

    [Fact]
    public void Rotation_accepts_a_header_carrying_one_v1_per_secret_with_either_secret_only()
    {
        const string payload = "{\"id\":\"evt_r\",\"object\":\"event\",\"type\":\"invoice.paid\",\"created\":1,\"data\":{\"object\":{}}}";
        var t = Now.ToUnixTimeSeconds();
        var header = $"t={t},v1={Hmac("whsec_old", t, payload)},v1={Hmac("whsec_new", t, payload)},v0=abc";

        Assert.True(new StripeWebhookVerifier("whsec_old").Verify(payload, header, Now).IsValid);
        Assert.True(new StripeWebhookVerifier("whsec_new").Verify(payload, header, Now).IsValid);
        Assert.Equal(StripeWebhookFailure.NoMatchingSignature, new StripeWebhookVerifier("whsec_other").Verify(payload, header, Now).Failure);
    }

    [Fact]
    public void The_tolerance_boundary_is_inclusive_in_both_directions()
    {
        const string payload = "{}";
        var verifier = new StripeWebhookVerifier(Secret);
        foreach (var offset in new[] { -300L, 300L })
        {
            var t = Now.ToUnixTimeSeconds() + offset;
            var header = $"t={t},v1={Hmac(Secret, t, payload)}";
            var result = verifier.Verify(payload, header, Now, TimeSpan.FromSeconds(300));
            Assert.True(result.SignatureVerified, $"offset {offset}");
            Assert.Equal(StripeWebhookFailure.MalformedPayload, result.Failure); // authentic, but "{}" is not an event
        }
    }

    [Theory]
    [InlineData(null, StripeWebhookFailure.MissingHeader)]
    [InlineData("   ", StripeWebhookFailure.MissingHeader)]
    [InlineData("t=abc,v1=00", StripeWebhookFailure.MalformedHeader)]
    [InlineData("t=-5,v1=00", StripeWebhookFailure.MalformedHeader)]
    [InlineData("t=99999999999999999999999,v1=00", StripeWebhookFailure.MalformedHeader)]
    [InlineData("=,=,=,", StripeWebhookFailure.MalformedHeader)]
    [InlineData("v1=00,v1=11", StripeWebhookFailure.MalformedHeader)]
    [InlineData("t=1767225600", StripeWebhookFailure.MalformedHeader)]
    [InlineData("t=1767225600,v1=", StripeWebhookFailure.MalformedHeader)]
    [InlineData("t=1767225600,v1=zz\u00e9\u0000", StripeWebhookFailure.NoMatchingSignature)]
    [InlineData("t=9223372036854775807,v1=00", StripeWebhookFailure.NoMatchingSignature)]
    public void Bad_headers_give_a_reason_and_never_throw(string? header, StripeWebhookFailure expected)
    {
        var result = new StripeWebhookVerifier(Secret).Verify("{\"id\":\"evt\"}", header, Now, TimeSpan.MaxValue);

        Assert.Equal(expected, result.Failure);
        Assert.False(result.IsValid);
    }

    [Fact]
    public void A_correctly_signed_body_that_is_not_json_is_authentic_but_not_an_event()
    {
        const string payload = "not json {";
        var t = Now.ToUnixTimeSeconds();

        var result = new StripeWebhookVerifier(Secret).Verify(payload, $"t={t},v1={Hmac(Secret, t, payload)}", Now);

        Assert.Equal(StripeWebhookFailure.MalformedPayload, result.Failure);
        Assert.True(result.SignatureVerified);
        Assert.Null(result.Event);
    }

    [Fact]
    public void An_empty_secret_verifies_nothing()
    {
        const string payload = "{}";
        var t = Now.ToUnixTimeSeconds();

        var result = new StripeWebhookVerifier("").Verify(payload, $"t={t},v1={Hmac("", t, payload)}", Now);

        Assert.Equal(StripeWebhookFailure.NoSecret, result.Failure);
    }

    /// <summary>Which reason each refused vector must give: the verdict alone could hide a right answer for a wrong reason.</summary>
    private static StripeWebhookFailure ExpectedFailure(StripeSignatureVector v)
    {
        if (v.Valid)
        {
            using var payload = JsonDocument.Parse(v.Payload);
            var root = payload.RootElement;
            var isEvent = root.TryGetProperty("id", out _) && root.TryGetProperty("type", out _) && root.TryGetProperty("created", out _)
                && root.TryGetProperty("data", out var data) && data.TryGetProperty("object", out _);
            return isEvent ? StripeWebhookFailure.None : StripeWebhookFailure.MalformedPayload;
        }

        var items = v.Header.Split(',');
        return v switch
        {
            { Secret: "" } => StripeWebhookFailure.NoSecret,
            { Header: "" } => StripeWebhookFailure.MissingHeader,
            _ when !items.Any(i => i.StartsWith("t=", StringComparison.Ordinal) && i.Length > 2)
                || !items.Any(i => i.StartsWith("v1=", StringComparison.Ordinal) && i.Length > 3) => StripeWebhookFailure.MalformedHeader,
            _ when v.Why.Contains("tolerance", StringComparison.Ordinal) || v.Why.Contains("now+", StringComparison.Ordinal)
                => StripeWebhookFailure.TimestampOutsideTolerance,
            _ => StripeWebhookFailure.NoMatchingSignature,
        };
    }

    /// <summary>An independent signer for the tests: lowercase hex HMAC-SHA256 of "{t}.{payload}".</summary>
    internal static string Hmac(string secret, long t, string payload) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{payload}")));
}
