using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using PhoneSupport.Emulators.Twilio;

namespace PhoneSupport.Tests.Emulators;

public sealed class CallDriverTests : IAsyncLifetime
{
    internal const string AuthToken = "emulator-test-token-42";
    internal const string AccountSid = "AC0123456789abcdef0123456789abcdef";

    private TwimlTestServer _server = null!;

    public async Task InitializeAsync() => _server = await TwimlTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    internal static async Task<CallResult> CallAsync(
        TwimlTestServer server, ICallerScript? caller = null, TechnicianScript? technician = null, int maxRequests = 200,
        DateTimeOffset? start = null)
    {
        using var http = new HttpClient();
        var driver = new CallDriver(http, new CallDriverOptions
        {
            VoiceUrl = server.VoiceUrl,
            AuthToken = AuthToken,
            AccountSid = AccountSid,
            From = "+15550100001",
            To = "+17038803095",
            Caller = caller ?? ScriptedCaller.Keys(),
            Technician = technician ?? new TechnicianScript(),
            MaxRequests = maxRequests,
            StartTime = start ?? TimeProvider.System.GetUtcNow(),
        });
        return await driver.RunAsync();
    }

    /// <summary>The oracle, computed here by hand: HMAC-SHA1(token, URL + name/value pairs sorted by name).</summary>
    internal static string ExpectedSignature(RecordedRequest request)
    {
        var text = new StringBuilder(request.Url);
        foreach (var (name, value) in request.Form.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append(value);
        }

        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(AuthToken), Encoding.UTF8.GetBytes(text.ToString())));
    }

    [Fact]
    public async Task Every_request_carries_a_signature_over_the_exact_url_and_sorted_params()
    {
        _server.Twiml("/twilio/voice", "<Gather numDigits=\"1\" action=\"/twilio/menu?lang=en&amp;v=2\"><Say>Press 1</Say></Gather>")
            .Twiml("/twilio/menu", "<Say>Bye</Say><Hangup/>");

        await CallAsync(_server, ScriptedCaller.Keys("1"));

        var requests = _server.Requests;
        Assert.Equal(3, requests.Count); // voice, gather action, status callback
        Assert.Equal(_server.BaseUrl + "/twilio/menu?lang=en&v=2", requests[1].Url);
        foreach (var request in requests)
        {
            Assert.Equal("POST", request.Method);
            Assert.Equal(ExpectedSignature(request), request.Signature);
        }

        // A different key must not produce the same signature (the header really depends on the token).
        var forged = new TwilioSigner("another-token").Sign(requests[0].Url, requests[0].Form.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)));
        Assert.NotEqual(requests[0].Signature, forged);
    }

    [Fact]
    public async Task Requests_carry_twilios_standard_call_parameters()
    {
        _server.Twiml("/twilio/voice", "<Gather numDigits=\"1\" action=\"/twilio/menu\"/>").Twiml("/twilio/menu", "<Hangup/>");

        var result = await CallAsync(_server, ScriptedCaller.Keys("3"));

        var first = _server.To("/twilio/voice").Single();
        Assert.Matches("^CA[0-9a-f]{32}$", first["CallSid"]);
        Assert.Equal(result.CallSid, first["CallSid"]);
        Assert.Equal(AccountSid, first["AccountSid"]);
        Assert.Equal("ringing", first["CallStatus"]);
        Assert.Equal("inbound", first["Direction"]);
        Assert.Equal("2010-04-01", first["ApiVersion"]);
        Assert.Equal(("+15550100001", "+17038803095"), (first["From"], first["To"]));
        Assert.Equal((first["From"], first["To"]), (first["Caller"], first["Called"]));
        var action = _server.To("/twilio/menu").Single();
        Assert.Equal("in-progress", action["CallStatus"]);
        Assert.Equal(result.CallSid, action["CallSid"]);
    }

    [Theory]
    [InlineData("5550001#", null, "5550001", "#")]
    [InlineData("2", "1", "2", "")]
    [InlineData("12345", "3", "123", "")]
    [InlineData("42*9", null, "42*9", "")] // no finish key pressed: submitted on timeout
    public async Task Gather_posts_its_action_with_digits_and_finished_on_key(
        string keys, string? numDigits, string expectedDigits, string expectedFinish)
    {
        var limit = numDigits is null ? "" : $" numDigits=\"{numDigits}\"";
        _server.Twiml("/twilio/voice", $"<Gather action=\"/twilio/got\"{limit}><Say>Enter your number</Say></Gather><Say>Fallthrough</Say>")
            .Twiml("/twilio/got", r => $"<Say>You entered {r["Digits"]}</Say>");

        var result = await CallAsync(_server, ScriptedCaller.Keys(keys));

        var action = _server.To("/twilio/got").Single();
        Assert.Equal(expectedDigits, action["Digits"]);
        Assert.Equal(expectedFinish, action["FinishedOnKey"]);
        Assert.Equal(expectedDigits + expectedFinish, result.OfKind(TranscriptKind.CallerPressed).Single().Text);
        Assert.Contains(result.OfKind(TranscriptKind.Said), e => e.Text == $"You entered {expectedDigits}");
        Assert.DoesNotContain(result.OfKind(TranscriptKind.Said), e => e.Text == "Fallthrough");
    }

    [Fact]
    public async Task Gather_without_action_posts_back_to_the_current_document()
    {
        _server.Twiml("/twilio/voice", r => r["Digits"] is null
            ? "<Gather numDigits=\"1\"><Say>Menu</Say></Gather>"
            : "<Say>Chose option</Say><Hangup/>");

        await CallAsync(_server, ScriptedCaller.Keys("4"));

        var voice = _server.To("/twilio/voice");
        Assert.Equal(2, voice.Count);
        Assert.Equal(_server.VoiceUrl, voice[1].Url);
        Assert.Equal("4", voice[1]["Digits"]);
    }

    [Fact]
    public async Task Silence_falls_through_to_the_verb_after_gather()
    {
        _server.Twiml("/twilio/voice",
                "<Gather numDigits=\"1\" action=\"/twilio/menu\" timeout=\"7\"><Say>Press 1</Say></Gather>"
                + "<Say voice=\"Polly.Joanna\" language=\"en-US\">We did not get that</Say><Redirect>/twilio/fallback</Redirect>")
            .Twiml("/twilio/fallback", "<Hangup/>");

        var result = await CallAsync(_server, ScriptedCaller.Keys(""));

        Assert.Empty(_server.To("/twilio/menu"));
        Assert.Single(_server.To("/twilio/fallback"));
        var spoken = result.Transcript.Where(e => e.Kind is TranscriptKind.Said or TranscriptKind.Silence).ToList();
        Assert.Equal([TranscriptKind.Said, TranscriptKind.Silence, TranscriptKind.Said], spoken.Select(e => e.Kind));
        Assert.Equal(("Polly.Joanna", "en-US"), (spoken[2].Voice, spoken[2].Language));
        Assert.True(spoken[2].At - spoken[1].At >= TimeSpan.FromSeconds(7), "the timeout passes before falling through");
    }

    [Fact]
    public async Task Speech_gather_posts_speech_result_and_confidence()
    {
        _server.Twiml("/twilio/voice", "<Gather input=\"speech\" action=\"/twilio/name\"><Say>Say your name</Say></Gather>")
            .Twiml("/twilio/name", "<Hangup/>");

        var result = await CallAsync(_server, new ScriptedCaller(["9"], ["jane doe"]));

        var action = _server.To("/twilio/name").Single();
        Assert.Equal("jane doe", action["SpeechResult"]);
        Assert.InRange(double.Parse(action["Confidence"]!, CultureInfo.InvariantCulture), 0.0, 1.0);
        Assert.Null(action["Digits"]);
        Assert.Equal("jane doe", result.OfKind(TranscriptKind.CallerSaid).Single().Text);
    }

    [Fact]
    public async Task Redirects_and_relative_urls_resolve_against_the_current_document()
    {
        _server.Twiml("/twilio/voice", "<Redirect>next?step=2</Redirect>")
            .Twiml("/twilio/next", "<Redirect method=\"POST\">../other/place#rc=2</Redirect>")
            .Twiml("/other/place", "<Gather numDigits=\"1\" action=\"done\"/>")
            .Twiml("/other/done", $"<Redirect>{_server.BaseUrl}/twilio/absolute</Redirect>")
            .Twiml("/twilio/absolute", "<Say>End</Say>");

        var result = await CallAsync(_server, ScriptedCaller.Keys("1"));

        var urls = _server.Requests.Select(r => r.Url).ToList();
        Assert.Equal(
            [
                _server.VoiceUrl, _server.BaseUrl + "/twilio/next?step=2", _server.BaseUrl + "/other/place",
                _server.BaseUrl + "/other/done", _server.BaseUrl + "/twilio/absolute", _server.VoiceUrl + "/status",
            ],
            urls);
        Assert.Equal(3, result.OfKind(TranscriptKind.Redirected).Count());
        Assert.Equal(CallOutcome.Completed, result.Outcome);
        Assert.Equal(TranscriptKind.HungUp, result.Transcript.Last(e => e.Kind != TranscriptKind.Webhook).Kind);
    }

    [Fact]
    public async Task The_call_ends_with_a_completed_status_callback()
    {
        var start = new DateTimeOffset(2026, 7, 1, 14, 0, 0, TimeSpan.Zero);
        _server.Twiml("/twilio/voice", "<Say>Hello and welcome to the support line.</Say><Pause length=\"3\"/><Hangup/><Say>Unreachable</Say>");

        var result = await CallAsync(_server, start: start);

        var status = _server.To("/twilio/voice/status").Single();
        Assert.Equal(result.CallSid, status["CallSid"]);
        Assert.Equal("completed", status["CallStatus"]);
        Assert.Equal("0", status["SequenceNumber"]);
        var seconds = (int)result.Duration.TotalSeconds;
        Assert.True(seconds >= 5, $"speech and pause take time, got {seconds}s");
        Assert.Equal(seconds.ToString(CultureInfo.InvariantCulture), status["CallDuration"]);
        var timestamp = DateTimeOffset.ParseExact(
            status["Timestamp"]!, "ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.Equal(start.AddSeconds(seconds), timestamp);
        Assert.DoesNotContain(result.OfKind(TranscriptKind.Said), e => e.Text == "Unreachable");
        Assert.True(result.Succeeded);
    }

    [Fact]
    public async Task A_redirect_loop_hits_the_request_guard()
    {
        _server.Twiml("/twilio/voice", "<Gather numDigits=\"1\"><Say>Menu</Say></Gather><Redirect>/twilio/voice</Redirect>");

        var result = await CallAsync(_server, ScriptedCaller.Keys(), maxRequests: 25);

        Assert.Equal(CallOutcome.StepLimitExceeded, result.Outcome);
        Assert.Equal(25, result.Requests);
        Assert.Equal(25, _server.To("/twilio/voice").Count);
        Assert.Contains("loop", result.Error, StringComparison.Ordinal);
        Assert.Single(result.OfKind(TranscriptKind.StepLimitExceeded));
        Assert.Equal("completed", _server.To("/twilio/voice/status").Single()["CallStatus"]);
        Assert.False(result.Succeeded);
    }

    [Theory]
    [InlineData(500, "application/xml", "<Response/>", "HTTP 500")]
    [InlineData(200, "text/plain", "<Response/>", "Content-Type")]
    [InlineData(200, "application/xml", "<Response><Say>unclosed</Response>", "invalid XML")]
    [InlineData(200, "application/xml", "<Reply/>", "instead of a <Response>")]
    public async Task A_bad_webhook_answer_is_an_application_error(int status, string contentType, string body, string expected)
    {
        _server.Twiml("/twilio/voice", "<Redirect>/twilio/broken</Redirect><Say>Never</Say>")
            .Respond("/twilio/broken", _ => Results.Text(body, contentType, Encoding.UTF8, status));

        var result = await CallAsync(_server);

        Assert.Equal(CallOutcome.ApplicationError, result.Outcome);
        var error = result.OfKind(TranscriptKind.ApplicationError).Single();
        Assert.Contains(expected, error.Text, StringComparison.Ordinal);
        Assert.Equal(_server.BaseUrl + "/twilio/broken", error.Url);
        Assert.Empty(result.OfKind(TranscriptKind.Said));
        Assert.Single(_server.To("/twilio/voice/status"));
    }

    [Fact]
    public async Task Reject_ends_the_call_with_its_reason_as_status()
    {
        _server.Twiml("/twilio/voice", "<Reject reason=\"busy\"/><Say>Never</Say>");

        var result = await CallAsync(_server);

        Assert.Equal(CallOutcome.Rejected, result.Outcome);
        Assert.Equal("busy", _server.To("/twilio/voice/status").Single()["CallStatus"]);
        Assert.Single(result.OfKind(TranscriptKind.Rejected));
        Assert.Empty(result.OfKind(TranscriptKind.Said));
    }
}
