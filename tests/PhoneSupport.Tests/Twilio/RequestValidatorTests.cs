using System.Security.Cryptography;
using System.Text;
using PhoneSupport.Twilio;
using Xunit;

namespace PhoneSupport.Tests.Twilio;

public sealed class RequestValidatorTests
{
    private const string Token = "12345";
    private const string Url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    private const string Signature = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    private static readonly KeyValuePair<string, string?>[] Params =
    [
        new("CallSid", "CA1234567890ABCDE"),
        new("Caller", "+14158675309"),
        new("Digits", "1234"),
        new("From", "+14158675309"),
        new("To", "+18005551212"),
    ];

    public static TheoryData<int, string> AllVectors => SignatureVectors.Rows(_ => true);

    public static TheoryData<int, string> ValidVectors => SignatureVectors.Rows(v => v.Valid);

    [Fact]
    public void Vectors_AreAllLoaded()
    {
        Assert.Equal(51, SignatureVectors.All.Count);
        Assert.Equal(40, SignatureVectors.All.Count(v => v.Valid));
    }

    [Theory]
    [MemberData(nameof(AllVectors))]
    public void Validate_ReturnsTheVectorsVerdict(int index, string source)
    {
        var vector = SignatureVectors.All[index];
        var validator = new RequestValidator(vector.AuthToken);

        var result = vector.Body is { } body
            ? validator.Validate(vector.Url, body, vector.Signature)
            : validator.Validate(vector.Url, vector.Params!, vector.Signature);

        Assert.True(vector.Valid == result, $"{source}: expected valid={vector.Valid}");
    }

    [Theory]
    [MemberData(nameof(ValidVectors))]
    public void ComputeSignature_OverSignedUrl_EqualsTheVectorSignature(int index, string source)
    {
        var vector = SignatureVectors.All[index];
        var validator = new RequestValidator(vector.AuthToken);

        var signature = validator.ComputeSignature(vector.SignedUrl!, vector.Params ?? []);

        Assert.True(vector.Signature == signature, $"{source}: got {signature}");
    }

    [Theory]
    [MemberData(nameof(ValidVectors))]
    public void Validate_WithSignedUrl_Accepts(int index, string source)
    {
        var vector = SignatureVectors.All[index];
        var validator = new RequestValidator(vector.AuthToken);

        var result = vector.Body is { } body
            ? validator.Validate(vector.SignedUrl!, body, vector.Signature)
            : validator.Validate(vector.SignedUrl!, vector.Params!, vector.Signature);

        Assert.True(result, source);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Validate_WithMissingSignature_Rejects(string? signature)
    {
        var validator = new RequestValidator(Token);

        Assert.False(validator.Validate(Url, Params, signature));
        Assert.False(validator.Validate(Url + "&bodySHA256=x", "{}", signature));
    }

    [Theory]
    [InlineData("not base64 %%%")]
    [InlineData("RSOYDt4T1cUTdK1PDd93/VVr8B8")]
    [InlineData("rsoydt4t1cutdk1pdd93/vvr8b8=")]
    public void Validate_WithMalformedSignature_RejectsWithoutThrowing(string signature)
    {
        Assert.False(new RequestValidator(Token).Validate(Url, Params, signature));
    }

    [Fact]
    public void Validate_WithEmptyUrl_Rejects()
    {
        Assert.False(new RequestValidator(Token).Validate("", Params, Signature));
    }

    [Fact]
    public void Validate_WithPortVariant_Accepts()
    {
        var validator = new RequestValidator(Token);

        Assert.True(validator.Validate("https://mycompany.com:8443/myapp.php?foo=1&bar=2", Params, Signature));
    }

    [Fact]
    public void Validate_WithDefaultPortAddedBySigner_Accepts()
    {
        var validator = new RequestValidator(Token);
        var signature = validator.ComputeSignature("https://mycompany.com:443/myapp.php?foo=1&bar=2", Params);

        Assert.True(validator.Validate(Url, Params, signature));
    }

    [Fact]
    public void Validate_WithLowercasedHost_RejectsMixedCaseSignature()
    {
        var validator = new RequestValidator(Token);
        var signature = validator.ComputeSignature("https://MyCompany.com/myapp.php?foo=1&bar=2", Params);

        Assert.False(validator.Validate(Url, Params, signature));
    }

    [Fact]
    public void Validate_WithChangedParameterValue_Rejects()
    {
        var tampered = Params.Select(p => p.Key == "To" ? new KeyValuePair<string, string?>("To", "+19005550000") : p);

        Assert.False(new RequestValidator(Token).Validate(Url, tampered, Signature));
    }

    [Fact]
    public void Validate_WithOtherAuthToken_Rejects()
    {
        Assert.False(new RequestValidator("67890").Validate(Url, Params, Signature));
    }

    [Fact]
    public void Validate_WithParametersInAnyOrder_Accepts()
    {
        Assert.True(new RequestValidator(Token).Validate(Url, Params.Reverse(), Signature));
    }

    [Fact]
    public void ParameterString_SortsKeysOrdinallyAndRepeatsKeyPerDistinctSortedValue()
    {
        KeyValuePair<string, string?>[] parameters =
        [
            new("Sid", "CA123"),
            new("Digits", "5678"),
            new("callSid", "lower"),
            new("Digits", "1234"),
            new("Digits", "1234"),
            new("Empty", null),
            new("CALLSID", "caps"),
        ];

        Assert.Equal(
            "CALLSIDcapsDigits1234Digits5678EmptySidCA123callSidlower",
            RequestValidator.ParameterString(parameters));
    }

    [Theory]
    [InlineData("https://host.com/p?x=1", "https://host.com:443/p?x=1")]
    [InlineData("http://host.com/p", "http://host.com:80/p")]
    [InlineData("https://Host.COM:8443/p?x=1", "https://Host.COM/p?x=1")]
    [InlineData("HTTPS://User:Pass@Host.com/p", "HTTPS://User:Pass@Host.com:443/p")]
    [InlineData("https://u:p@host.com:1234/p", "https://u:p@host.com/p")]
    [InlineData("https://host.com?a=b:c@d", "https://host.com:443?a=b:c@d")]
    [InlineData("https://host.com", "https://host.com:443")]
    [InlineData("https://[::1]/p", "https://[::1]:443/p")]
    [InlineData("https://[::1]:8443/p", "https://[::1]/p")]
    [InlineData("https://host.com:443//p?q=%2F", "https://host.com//p?q=%2F")]
    [InlineData("ftp://host.com/p", null)]
    [InlineData("https://host.com:abc/p", null)]
    [InlineData("not a url", null)]
    public void GetPortVariant_TogglesThePortAndKeepsTheRestVerbatim(string url, string? expected)
    {
        Assert.Equal(expected, RequestValidator.GetPortVariant(url));
    }

    [Fact]
    public void Validate_JsonBody_WithTamperedBody_Rejects()
    {
        var vector = SignatureVectors.All.First(v => v.Body is not null && v.Valid);
        var validator = new RequestValidator(vector.AuthToken);

        Assert.True(validator.Validate(vector.Url, vector.Body!, vector.Signature));
        Assert.False(validator.Validate(vector.Url, vector.Body + " ", vector.Signature));
    }

    [Fact]
    public void ValidateBody_ComparesAgainstLowercaseHexSha256()
    {
        const string body = "{\"property\": \"value\", \"boolean\": true}";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));

        Assert.Equal("0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620", hash);
        Assert.True(RequestValidator.ValidateBody(body, hash));
        Assert.False(RequestValidator.ValidateBody(body + "x", hash));
        Assert.False(RequestValidator.ValidateBody(body, ""));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void Constructor_WithoutAuthToken_Throws(string? token)
    {
        Assert.Throws<ArgumentException>(() => new RequestValidator(token!));
    }
}
