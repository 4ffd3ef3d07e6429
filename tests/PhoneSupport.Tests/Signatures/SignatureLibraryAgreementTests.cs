using System.Collections.Specialized;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using PhoneSupport.Stripe;
using PhoneSupport.Tests.Stripe;
using PhoneSupport.Tests.Twilio;
using Xunit.Abstractions;
using OurTwilioValidator = PhoneSupport.Twilio.RequestValidator;

namespace PhoneSupport.Tests.Signatures;

/// <summary>
/// Issue 15 item 5: our validators (kept) against the vendors' libraries (Twilio 8.2.0 <c>RequestValidator</c>,
/// Stripe.net 53.1.0 <c>EventUtility.ValidateSignature</c>) on thousands of generated requests and on the copied
/// vectors. They must agree wherever the library answers; every difference must fall in a documented category
/// (docs/decisions/002-hand-written-twilio-stripe-adapters.md, "Signature validators vs. the libraries, measured").
/// </summary>
public sealed class SignatureLibraryAgreementTests(ITestOutputHelper output)
{
    private const int GeneratedCases = 3000;

    /// <summary>Documented Twilio difference categories (the only ones allowed).</summary>
    private static readonly HashSet<string> TwilioDocumented =
    [
        "repeated form keys: ours signs each distinct value sorted (Twilio's real ordering), the library joins values with ','",
        "keys in mixed case: ours sorts ordinally (Twilio's rule, twilio-java vector), the library sorts with a culture comparer",
        "URL re-rendered by System.Uri in the library (host lower-cased, '/' added to an empty path, default port dropped); ours signs the URL as given",
        "explicit default port (https :443, http :80) in the request URL, signed without it: System.Uri hides the port, so the library only tries adding it; ours also strips it",
        "library throws ArgumentException on a missing or empty signature; ours answers false",
        "library throws on a URL System.Uri rejects",
    ];

    /// <summary>Documented Stripe difference categories (the only ones allowed).</summary>
    private static readonly HashSet<string> StripeDocumented =
    [
        "library throws a non-Stripe exception on a malformed header",
        "ConstructEvent refuses an event of another API version unless throwOnApiVersionMismatch: false; ours does not check the version",
    ];

    private static readonly string[] Tokens = ["12345", "auth-token-ü", "0123456789abcdef0123456789abcdef"];
    private static readonly string[] Keys = ["CallSid", "From", "To", "Digits", "a", "A", "b", "SpeechResult"];
    private static readonly string[] Values = ["", "1", "+15551234567", "x,y", "Jäne Döe", "日本語", "a b", "%20", "=&", "CA123"];

    private enum TwilioSigning { Correct, PortVariant, MutatedRequest, WrongToken, Missing, Garbage }

    private sealed record TwilioCase(string Token, string Url, string SignedUrl, List<KeyValuePair<string, string?>> Form, TwilioSigning Signing, string? Signature)
    {
        public bool RepeatedKeys => Form.GroupBy(p => p.Key, StringComparer.Ordinal).Any(g => g.Count() > 1);

        public override string ToString() =>
            $"{Signing} url={Url} signedUrl={SignedUrl} form=[{string.Join("&", Form.Select(p => p.Key + "=" + p.Value))}] sig={Signature}";
    }

    private static readonly Gen<string> UrlGen =
        from scheme in Gen.Elements("https", "http")
        from host in Gen.Elements("example.com", "api.example.org", "Mycompany.COM", "127.0.0.1", "user:pass@host.test")
        from port in Gen.Elements("", "", ":443", ":80", ":8443", ":1234")
        from path in Gen.Elements("/", "/voice", "/twilio/voice/gather", "/a%20b/c", "")
        from query in Gen.Elements("", "?x=1", "?foo=bar&baz=%C3%BC", "?a=1&a=2", "?empty=")
        select $"{scheme}://{host}{port}{path}{query}";

    private static readonly Gen<List<KeyValuePair<string, string?>>> FormGen =
        from count in Gen.Choose(0, 6)
        from keys in Gen.ArrayOf(Gen.Elements(Keys), count)
        from values in Gen.ArrayOf(Gen.Elements(Values), count)
        select keys.Zip(values, (k, v) => KeyValuePair.Create(k, (string?)v)).ToList();

    private static readonly Gen<TwilioCase> TwilioCases =
        from token in Gen.Elements(Tokens)
        from url in UrlGen
        from form in FormGen
        from signing in Gen.Frequency(
            (4, Gen.Constant(TwilioSigning.Correct)),
            (3, Gen.Constant(TwilioSigning.PortVariant)),
            (2, Gen.Constant(TwilioSigning.MutatedRequest)),
            (1, Gen.Constant(TwilioSigning.WrongToken)),
            (1, Gen.Constant(TwilioSigning.Missing)),
            (1, Gen.Constant(TwilioSigning.Garbage)))
        from garbage in Gen.Elements("", " ", "abc", "====", "not base64!", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        select Sign(token, url, form, signing, garbage);

    private static TwilioCase Sign(string token, string url, List<KeyValuePair<string, string?>> form, TwilioSigning signing, string garbage)
    {
        var signer = new OurTwilioValidator(token);
        var signedUrl = signing == TwilioSigning.PortVariant ? OurTwilioValidator.GetPortVariant(url) ?? url : url;
        string? signature = signing switch
        {
            TwilioSigning.Correct or TwilioSigning.PortVariant => signer.ComputeSignature(signedUrl, form),
            TwilioSigning.MutatedRequest => signer.ComputeSignature(signedUrl, [.. form, KeyValuePair.Create("Extra", (string?)"1")]),
            TwilioSigning.WrongToken => new OurTwilioValidator(token + "x").ComputeSignature(signedUrl, form),
            TwilioSigning.Missing => null,
            _ => garbage,
        };
        return new TwilioCase(token, url, signedUrl, form, signing, signature);
    }

    [Fact]
    public void Twilio_validator_agrees_with_the_library_wherever_the_library_answers()
    {
        var tally = new Tally();
        var property = Prop.ForAll(TwilioCases.ToArbitrary(), c =>
        {
            var ours = new OurTwilioValidator(c.Token).Validate(c.Url, c.Form, c.Signature);
            var category = CompareTwilio(c, ours, LibraryTwilio(c.Token, c.Url, c.Form, c.Signature));
            tally.Add(category, c.ToString(), ours);
            return true;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(GeneratedCases), property);

        tally.Print(output, "Twilio generated");
        Assert.All(tally.Categories, category => Assert.Contains(category, TwilioDocumented));
        Assert.Equal(GeneratedCases, tally.Total);
        Assert.True(tally.Agreed > GeneratedCases / 2, $"only {tally.Agreed} of {tally.Total} agree");
        Assert.True(tally.AgreedValid > 0 && tally.AgreedInvalid > 0, "both outcomes must be exercised");
    }

    [Fact]
    public void Twilio_vectors_both_validators()
    {
        var tally = new Tally();
        foreach (var v in SignatureVectors.All)
        {
            var ours = v.Body is null
                ? new OurTwilioValidator(v.AuthToken).Validate(v.Url, v.Params ?? [], v.Signature)
                : new OurTwilioValidator(v.AuthToken).Validate(v.Url, v.Body, v.Signature);
            Assert.True(ours == v.Valid, $"ours disagrees with the vector {v.Source}");
            var library = v.Body is null
                ? LibraryTwilio(v.AuthToken, v.Url, v.Params ?? [], v.Signature)
                : Try(() => new global::Twilio.Security.RequestValidator(v.AuthToken).Validate(v.Url, v.Body, v.Signature));
            var c = new TwilioCase(v.AuthToken, v.Url, v.SignedUrl ?? v.Url, [.. v.Params ?? []], TwilioSigning.Correct, v.Signature);
            var category = CompareTwilio(c, ours, library);
            tally.Add(category, v.Source, ours);
        }

        tally.Print(output, "Twilio vectors");
        Assert.All(tally.Categories, category => Assert.Contains(category, TwilioDocumented));
    }

    private static string? CompareTwilio(TwilioCase c, bool ours, (bool? Valid, Exception? Error) library)
    {
        if (library.Error is not null)
        {
            return library.Error switch
            {
                UriFormatException => "library throws on a URL System.Uri rejects",
                ArgumentException when string.IsNullOrEmpty(c.Signature) && !ours => "library throws ArgumentException on a missing or empty signature; ours answers false",
                _ => $"undocumented: library throws {library.Error.GetType().Name}",
            };
        }

        if (library.Valid == ours)
        {
            return null;
        }

        if (!ours)
        {
            return "undocumented: the library accepts what ours refuses";
        }

        var keys = c.Form.Select(p => p.Key).Distinct(StringComparer.Ordinal).ToList();
        if (c.RepeatedKeys)
        {
            return "repeated form keys: ours signs each distinct value sorted (Twilio's real ordering), the library joins values with ','";
        }

        if (!keys.Order(StringComparer.Ordinal).SequenceEqual(keys.Order(StringComparer.InvariantCulture))
            || !keys.Order(StringComparer.Ordinal).SequenceEqual(keys.Order(StringComparer.CurrentCulture)))
        {
            return "keys in mixed case: ours sorts ordinally (Twilio's rule, twilio-java vector), the library sorts with a culture comparer";
        }

        if (HasExplicitDefaultPort(c.Url) && !string.Equals(c.Url, c.SignedUrl, StringComparison.Ordinal))
        {
            return "explicit default port (https :443, http :80) in the request URL, signed without it: System.Uri hides the port, so the library only tries adding it; ours also strips it";
        }

        if (Uri.TryCreate(c.SignedUrl, UriKind.Absolute, out var parsed) && !string.Equals(parsed.OriginalString, parsed.ToString(), StringComparison.Ordinal))
        {
            return "URL re-rendered by System.Uri in the library (host lower-cased, '/' added to an empty path, default port dropped); ours signs the URL as given";
        }

        return $"undocumented: ours={ours} library={library.Valid}";
    }

    private static bool HasExplicitDefaultPort(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.IsDefaultPort
        && OurTwilioValidator.GetPortVariant(url) is { } variant && variant.Length < url.Length;

    private static (bool? Valid, Exception? Error) LibraryTwilio(string token, string url, IEnumerable<KeyValuePair<string, string?>> form, string? signature)
    {
        var collection = new NameValueCollection();
        foreach (var (key, value) in form)
        {
            collection.Add(key, value);
        }

        return Try(() => new global::Twilio.Security.RequestValidator(token).Validate(url, collection, signature));
    }

    private enum StripeSigning { Correct, SeveralV1, WithV0, WrongSecret, MutatedPayload, Malformed }

    private sealed record StripeCase(string Secret, string Payload, string Header, long Now, long Tolerance, StripeSigning Signing)
    {
        public override string ToString() => $"{Signing} header={Header} now={Now} tolerance={Tolerance} payload={Payload}";
    }

    private static readonly Gen<StripeCase> StripeCases =
        from secret in Gen.Elements("whsec_test_secret", "whsec_ünïcode", "whsec_0123456789")
        from id in Gen.Elements("evt_1", "evt_ABC", "evt_ü")
        from shape in Gen.Elements(0, 1, 2, 3)
        from t in Gen.Choose(1_700_000_000, 1_800_000_000)
        from skew in Gen.Elements(0, 1, -1, 299, 300, 301, -300, -301, 5000, -5000)
        from tolerance in Gen.Elements(300L, 0L, 10L, 600L)
        from signing in Gen.Frequency(
            (4, Gen.Constant(StripeSigning.Correct)),
            (2, Gen.Constant(StripeSigning.SeveralV1)),
            (2, Gen.Constant(StripeSigning.WithV0)),
            (1, Gen.Constant(StripeSigning.WrongSecret)),
            (1, Gen.Constant(StripeSigning.MutatedPayload)),
            (2, Gen.Constant(StripeSigning.Malformed)))
        from malformed in Gen.Elements("", " ", "garbage", "t=", "t=abc,v1=00", "v1=00", "t=1700000000", "t=1700000000,v1=", "=,=,", "t=-5,v1=ab", "t=1 ,v1=ab", "t=99999999999999999999,v1=ab", "t", "v1", "t=1700000000,v1", "t=1700000000,,v1=ab", "t=1,t=2,v1=ab", ",,,")
        select StripeCaseFor(secret, PayloadFor(id, shape), t, skew, tolerance, signing, malformed);

    private static string PayloadFor(string id, int shape) => shape switch
    {
        0 => """{"id":""" + $"\"{id}\"" + ""","object":"event","type":"invoice.paid","created":1700000000,"api_version":"2026-10-28.endive","data":{"object":{"id":"in_1","object":"invoice"}}}""",
        1 => $$"""{ "id": "{{id}}", "type": "x" }""",
        3 => """{"id":""" + $"\"{id}\"" + ""","object":"event","type":"invoice.paid","created":1700000000,"api_version":"2024-06-20","data":{"object":{"id":"in_1","object":"invoice"}}}""",
        _ => $"not json {id}",
    };

    private static StripeCase StripeCaseFor(string secret, string payload, long t, int skew, long tolerance, StripeSigning signing, string malformed)
    {
        var sig = HexHmac(secret, t, payload);
        var header = signing switch
        {
            StripeSigning.Correct => $"t={t},v1={sig}",
            StripeSigning.SeveralV1 => $"t={t},v1={HexHmac("whsec_other", t, payload)},v1={sig}",
            StripeSigning.WithV0 => $"t={t},v0={HexHmac("whsec_other", t, payload)},v1={sig}",
            StripeSigning.WrongSecret => $"t={t},v1={HexHmac(secret + "x", t, payload)}",
            StripeSigning.MutatedPayload => $"t={t},v1={HexHmac(secret, t, payload + " ")}",
            _ => malformed,
        };
        return new StripeCase(secret, payload, header, t + skew, tolerance, signing);
    }

    private static string HexHmac(string secret, long t, string payload) =>
        Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{payload}")));

    [Fact]
    public void Stripe_verifier_agrees_with_the_library_wherever_the_library_answers()
    {
        var tally = new Tally();
        var property = Prop.ForAll(StripeCases.ToArbitrary(), c =>
        {
            var (category, ours) = CompareStripe(c.Secret, c.Payload, c.Header, c.Now, c.Tolerance);
            tally.Add(category, c.ToString(), ours);
            return true;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(GeneratedCases), property);

        tally.Print(output, "Stripe generated");
        Assert.All(tally.Categories, category => Assert.Contains(category, StripeDocumented));
        Assert.Equal(GeneratedCases, tally.Total);
        Assert.True(tally.Agreed > GeneratedCases / 2, $"only {tally.Agreed} of {tally.Total} agree");
        Assert.True(tally.AgreedValid > 0 && tally.AgreedInvalid > 0, "both outcomes must be exercised");
    }

    [Fact]
    public void Stripe_vectors_both_validators()
    {
        var tally = new Tally();
        foreach (var v in StripeSignatureVectors.All)
        {
            var ours = new StripeWebhookVerifier(v.Secret).Verify(v.Payload, v.Header, v.NowInstant, v.ToleranceSpan).SignatureVerified;
            Assert.True(ours == v.Valid, $"ours disagrees with the vector {v.Source}");
            var (category, _) = CompareStripe(v.Secret, v.Payload, v.Header, v.Now, v.Tolerance);
            tally.Add(category, v.Source + " — " + v.Why, ours);
        }

        tally.Print(output, "Stripe vectors");
        Assert.All(tally.Categories, category => Assert.Contains(category, StripeDocumented));
    }

    private static (string? Category, bool Ours) CompareStripe(string secret, string payload, string header, long now, long tolerance)
    {
        var toleranceSpan = tolerance >= (long)TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(tolerance);
        var result = new StripeWebhookVerifier(secret).Verify(payload, header, DateTimeOffset.FromUnixTimeSeconds(now), toleranceSpan);
        var ours = result.SignatureVerified;
        var library = Try(() =>
        {
            global::Stripe.EventUtility.ValidateSignature(payload, header, secret, tolerance, now);
            return true;
        });
        if (library.Error is global::Stripe.StripeException)
        {
            library = (false, null);
        }

        if (library.Error is not null)
        {
            return ("library throws a non-Stripe exception on a malformed header", ours);
        }

        if (library.Valid != ours)
        {
            return ($"undocumented: ours={ours} library={library.Valid}", ours);
        }

        if (result.Event is { } parsed)
        {
            // Both verified and ours parsed an event: the library's event must be the same one.
            try
            {
                global::Stripe.Event strict;
                try
                {
                    strict = global::Stripe.EventUtility.ConstructEvent(payload, header, secret, tolerance, now, throwOnApiVersionMismatch: true);
                }
                catch (global::Stripe.StripeException) when (parsed.ApiVersion != global::Stripe.StripeConfiguration.ApiVersion)
                {
                    strict = global::Stripe.EventUtility.ConstructEvent(payload, header, secret, tolerance, now, throwOnApiVersionMismatch: false);
                    return (strict.Id == parsed.Id && strict.Type == parsed.Type
                        ? "ConstructEvent refuses an event of another API version unless throwOnApiVersionMismatch: false; ours does not check the version"
                        : "undocumented: ConstructEvent (lenient) returns another event", ours);
                }

                return (strict.Id == parsed.Id && strict.Type == parsed.Type ? null : "undocumented: ConstructEvent returns another event", ours);
            }
#pragma warning disable CA1031 // whatever the library throws is a finding
            catch (Exception e)
#pragma warning restore CA1031
            {
                return ($"undocumented: ConstructEvent throws {e.GetType().Name} on an event ours accepts", ours);
            }
        }

        return (null, ours);
    }

    private static (bool? Valid, Exception? Error) Try(Func<bool> call)
    {
        try
        {
            return (call(), null);
        }
#pragma warning disable CA1031 // the point is to catch whatever the library throws
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (null, e);
        }
    }

    /// <summary>Counts per category (null = agreement), with the first example of each.</summary>
    private sealed class Tally
    {
        private readonly Dictionary<string, (int Count, string Example)> _categories = new(StringComparer.Ordinal);

        public IEnumerable<string> Categories => _categories.Keys;

        public int Total { get; private set; }

        public int Agreed { get; private set; }

        public int AgreedValid { get; private set; }

        public int AgreedInvalid { get; private set; }

        public void Add(string? category, string example, bool ours)
        {
            Total++;
            if (category is null)
            {
                Agreed++;
                AddOutcome(ours);
                return;
            }

            _categories[category] = _categories.TryGetValue(category, out var seen) ? (seen.Count + 1, seen.Example) : (1, example);
        }

        private void AddOutcome(bool valid)
        {
            if (valid)
            {
                AgreedValid++;
            }
            else
            {
                AgreedInvalid++;
            }
        }

        public void Print(ITestOutputHelper output, string title)
        {
            output.WriteLine($"{title}: {Total} cases, {Agreed} agree");
            foreach (var (category, (count, example)) in _categories.OrderByDescending(c => c.Value.Count))
            {
                output.WriteLine($"  {count} × {category}; e.g. {example}");
            }
        }
    }
}
