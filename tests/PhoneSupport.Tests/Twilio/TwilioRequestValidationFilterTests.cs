using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PhoneSupport.Configuration;
using PhoneSupport.Twilio;
using Xunit;

namespace PhoneSupport.Tests.Twilio;

public sealed class TwilioRequestValidationFilterTests
{
    private const string AuthToken = "test-auth-token-0123456789";
    private const string PublicBaseUrl = "https://Voice.Example.com:8443/";
    private const string SignedBase = "https://Voice.Example.com:8443";
    private const string Passed = "handler ran";
    private const string CallerNumber = "+15551234567";

    private readonly RequestValidator signer = new(AuthToken);
    private readonly ListLogger logger = new();

    [Fact]
    public async Task InvokeAsync_WithValidFormSignature_CallsTheHandler()
    {
        var form = new Dictionary<string, string> { ["CallSid"] = "CA1", ["From"] = CallerNumber, ["Digits"] = "1" };
        var context = FormRequest("/twilio/voice/menu?step=2", form);
        Sign(context, "/twilio/voice/menu?step=2", form);

        Assert.Equal(Passed, await Invoke(context));
        Assert.Empty(logger.Messages);
    }

    [Fact]
    public async Task InvokeAsync_WithTamperedForm_Returns403WithoutCallingTheHandler()
    {
        var form = new Dictionary<string, string> { ["CallSid"] = "CA1", ["From"] = CallerNumber };
        var context = FormRequest("/twilio/voice", form);
        Sign(context, "/twilio/voice", new Dictionary<string, string> { ["CallSid"] = "CA1", ["From"] = "+15550000000" });

        AssertForbidden(await Invoke(context));
    }

    [Fact]
    public async Task InvokeAsync_WithoutSignatureHeader_Returns403AndLogsPathOnly()
    {
        var context = FormRequest("/twilio/voice?caller=" + Uri.EscapeDataString(CallerNumber), new() { ["From"] = CallerNumber });

        AssertForbidden(await Invoke(context));
        var message = Assert.Single(logger.Messages);
        Assert.Contains("/twilio/voice", message, StringComparison.Ordinal);
        Assert.DoesNotContain("5551234567", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_UsesTheRawTargetNotTheDecodedPath()
    {
        const string rawTarget = "/twilio/voice/It%27s?name=a%2Fb&x=1+2";
        var form = new Dictionary<string, string> { ["CallSid"] = "CA1" };
        var context = FormRequest(rawTarget, form);
        context.Request.Path = "/twilio/voice/It's";
        context.Request.QueryString = new QueryString("?name=a/b&x=1 2");
        Sign(context, rawTarget, form);

        Assert.Equal(Passed, await Invoke(context));
    }

    [Fact]
    public async Task InvokeAsync_WithoutFormContent_SignsTheUrlAlone()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = "/twilio/status?CallSid=CA1&CallStatus=completed";
        context.Request.Headers["X-Twilio-Signature"] =
            signer.ComputeSignature(SignedBase + "/twilio/status?CallSid=CA1&CallStatus=completed", []);

        Assert.Equal(Passed, await Invoke(context));
    }

    [Fact]
    public async Task InvokeAsync_WithSignatureForAnotherHost_Returns403()
    {
        var form = new Dictionary<string, string> { ["CallSid"] = "CA1" };
        var context = FormRequest("/twilio/voice", form);
        context.Request.Headers["X-Twilio-Signature"] = signer.ComputeSignature(
            "https://evil.example.net/twilio/voice", form.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)));

        AssertForbidden(await Invoke(context));
    }

    [Fact]
    public async Task InvokeAsync_WithTwoSignatureHeaders_Returns403()
    {
        var form = new Dictionary<string, string> { ["CallSid"] = "CA1" };
        var context = FormRequest("/twilio/voice", form);
        Sign(context, "/twilio/voice", form);
        context.Request.Headers.Append("X-Twilio-Signature", "second");

        AssertForbidden(await Invoke(context));
    }

    [Fact]
    public async Task InvokeAsync_DuringTokenRotation_AcceptsTheSecondaryToken_OnlyWhenConfigured()
    {
        const string next = "next-auth-token-9876543210";
        var form = new Dictionary<string, string> { ["CallSid"] = "CA1", ["From"] = CallerNumber };
        HttpContext Signed()
        {
            var context = FormRequest("/twilio/voice", form);
            context.Request.Headers["X-Twilio-Signature"] = new RequestValidator(next).ComputeSignature(
                SignedBase + "/twilio/voice", form.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)));
            return context;
        }
        var rotating = new TwilioRequestValidationFilter(
            Options.Create(new TwilioOptions { AuthToken = AuthToken, SecondaryAuthToken = next }),
            Options.Create(new PhoneSupportOptions { PublicBaseUrl = PublicBaseUrl }), logger);

        Assert.Equal(Passed, await rotating.InvokeAsync(new DefaultEndpointFilterInvocationContext(Signed()), _ => ValueTask.FromResult<object?>(Passed)));
        AssertForbidden(await Invoke(Signed()));
    }

    [Fact]
    public void Constructor_WithoutAuthToken_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => new TwilioRequestValidationFilter(
            Options.Create(new TwilioOptions { AuthToken = "" }),
            Options.Create(new PhoneSupportOptions { PublicBaseUrl = PublicBaseUrl }),
            logger));
    }

    private static DefaultHttpContext FormRequest(string rawTarget, Dictionary<string, string> form)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/x-www-form-urlencoded";
        var body = string.Join('&', form.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        context.Request.Path = rawTarget.Split('?')[0];
        return context;
    }

    private static void AssertForbidden(object? result)
    {
        var status = Assert.IsAssignableFrom<IStatusCodeHttpResult>(result);
        Assert.Equal(StatusCodes.Status403Forbidden, status.StatusCode);
    }

    private void Sign(HttpContext context, string rawTarget, Dictionary<string, string> form) =>
        context.Request.Headers["X-Twilio-Signature"] = signer.ComputeSignature(
            SignedBase + rawTarget, form.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)));

    private async Task<object?> Invoke(HttpContext context)
    {
        var filter = new TwilioRequestValidationFilter(
            Options.Create(new TwilioOptions { AuthToken = AuthToken }),
            Options.Create(new PhoneSupportOptions { PublicBaseUrl = PublicBaseUrl }),
            logger);
        return await filter.InvokeAsync(
            new DefaultEndpointFilterInvocationContext(context),
            _ => ValueTask.FromResult<object?>(Passed));
    }

    private sealed class ListLogger : ILogger<TwilioRequestValidationFilter>
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add($"{logLevel}: {formatter(state, exception)}");
    }
}
