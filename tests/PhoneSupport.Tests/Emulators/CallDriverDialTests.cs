using PhoneSupport.Emulators.Twilio;

namespace PhoneSupport.Tests.Emulators;

public sealed class CallDriverDialTests : IAsyncLifetime
{
    private const string Technician = "+15550009999";
    private TwimlTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TwimlTestServer.StartAsync();
        _server
            .Twiml("/twilio/whisper", "<Gather numDigits=\"1\" action=\"/twilio/whisper-answer?ticket=42\" timeout=\"8\">"
                + "<Say>Ticket 42. Press 1 to accept.</Say></Gather><Hangup/>")
            .Twiml("/twilio/whisper-answer", r => r["Digits"] == "1" ? "" : "<Hangup/>")
            .Twiml("/twilio/dial-done", "<Say>Thank you for calling.</Say><Hangup/>");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private void DialWithWhisper(string numbers, string events = "initiated ringing answered completed") =>
        _server.Twiml("/twilio/voice", "<Say>Connecting you.</Say><Dial action=\"/twilio/dial-done\" timeout=\"20\">"
            + string.Concat(numbers.Split(',').Select(n =>
                $"<Number url=\"/twilio/whisper?ticket=42\" statusCallback=\"/twilio/child-status\" statusCallbackEvent=\"{events}\">{n}</Number>"))
            + "</Dial><Say>Unreachable after a Dial with an action</Say>");

    [Fact]
    public async Task An_accepted_whisper_bridges_and_reports_the_talk_time()
    {
        DialWithWhisper(Technician);

        var result = await CallDriverTests.CallAsync(_server, technician: TechnicianScript.Accepting(TimeSpan.FromMinutes(25)));

        var whisper = _server.To("/twilio/whisper").Single();
        Assert.Equal(result.CallSid, whisper["ParentCallSid"]);
        Assert.Matches("^CA[0-9a-f]{32}$", whisper["CallSid"]);
        Assert.NotEqual(result.CallSid, whisper["CallSid"]);
        Assert.Equal(("outbound-dial", "in-progress"), (whisper["Direction"], whisper["CallStatus"]));
        Assert.Equal(Technician, whisper["To"]);
        Assert.Equal(_server.BaseUrl + "/twilio/whisper?ticket=42", whisper.Url);
        Assert.Equal(CallDriverTests.ExpectedSignature(whisper), whisper.Signature);

        var pressed = _server.To("/twilio/whisper-answer").Single();
        Assert.Equal(("1", whisper["CallSid"]), (pressed["Digits"], pressed["CallSid"]));

        var done = _server.To("/twilio/dial-done").Single();
        Assert.Equal(result.CallSid, done["CallSid"]);
        Assert.Equal("completed", done["DialCallStatus"]);
        Assert.Equal(whisper["CallSid"], done["DialCallSid"]);
        Assert.Equal("1500", done["DialCallDuration"]);
        Assert.Equal("true", done["DialBridged"]);

        Assert.Equal("Ticket 42. Press 1 to accept.", result.OfKind(TranscriptKind.Whisper).Single().Text);
        Assert.Equal(CallLeg.Technician, result.OfKind(TranscriptKind.TechnicianPressed).Single().Leg);
        Assert.Single(result.OfKind(TranscriptKind.Bridged));
        Assert.DoesNotContain(result.OfKind(TranscriptKind.Said), e => e.Text.StartsWith("Unreachable", StringComparison.Ordinal));
        Assert.True(result.Duration > TimeSpan.FromMinutes(25));
    }

    [Fact]
    public async Task Child_leg_status_callbacks_follow_the_requested_events_in_sequence()
    {
        DialWithWhisper(Technician);

        var result = await CallDriverTests.CallAsync(_server, technician: TechnicianScript.Accepting(TimeSpan.FromMinutes(2)));

        var callbacks = _server.To("/twilio/child-status");
        Assert.Equal(["initiated", "ringing", "in-progress", "completed"], callbacks.Select(c => c["CallStatus"]));
        Assert.Equal(["0", "1", "2", "3"], callbacks.Select(c => c["SequenceNumber"]));
        Assert.All(callbacks, c => Assert.Equal(result.CallSid, c["ParentCallSid"]));
        Assert.All(callbacks, c => Assert.Equal(CallDriverTests.ExpectedSignature(c), c.Signature));
        Assert.True(int.Parse(callbacks[^1]["CallDuration"]!, System.Globalization.CultureInfo.InvariantCulture) >= 120);
        Assert.Null(callbacks[0]["CallDuration"]);
    }

    [Fact]
    public async Task Without_status_callback_events_only_completed_is_sent()
    {
        _server.Twiml("/twilio/voice", $"<Dial><Number statusCallback=\"/twilio/child-status\">{Technician}</Number></Dial>");

        await CallDriverTests.CallAsync(_server, technician: TechnicianScript.Accepting(TimeSpan.FromSeconds(30)));

        var callback = _server.To("/twilio/child-status").Single();
        Assert.Equal(("completed", "0"), (callback["CallStatus"], callback["SequenceNumber"]));
    }

    [Fact]
    public async Task A_declined_whisper_is_reported_as_not_bridged()
    {
        DialWithWhisper(Technician);

        var result = await CallDriverTests.CallAsync(_server, technician: TechnicianScript.Declining());

        Assert.Single(_server.To("/twilio/whisper"));
        Assert.Empty(_server.To("/twilio/whisper-answer")); // silence fell through to the whisper's <Hangup/>
        var done = _server.To("/twilio/dial-done").Single();
        Assert.Equal("no-answer", done["DialCallStatus"]);
        Assert.Equal("false", done["DialBridged"]);
        Assert.Equal("0", done["DialCallDuration"]);
        Assert.Contains(result.OfKind(TranscriptKind.HungUp), e => e.Leg == CallLeg.Technician);
        Assert.Empty(result.OfKind(TranscriptKind.Bridged));
        Assert.Equal("completed", _server.To("/twilio/child-status").Last()["CallStatus"]);
    }

    [Theory]
    [InlineData(TechnicianBehavior.NoAnswer, "no-answer")]
    [InlineData(TechnicianBehavior.Busy, "busy")]
    public async Task An_unanswered_number_never_gets_the_whisper(TechnicianBehavior behavior, string expected)
    {
        DialWithWhisper(Technician);

        var result = await CallDriverTests.CallAsync(_server, technician: new TechnicianScript(new TechnicianAnswer(behavior, TimeSpan.Zero)));

        Assert.Empty(_server.To("/twilio/whisper"));
        var done = _server.To("/twilio/dial-done").Single();
        Assert.Equal((expected, "false"), (done["DialCallStatus"], done["DialBridged"]));
        Assert.Equal(expected, _server.To("/twilio/child-status").Last()["CallStatus"]);
        Assert.Single(result.OfKind(TranscriptKind.DialEnded));
    }

    [Fact]
    public async Task Numbers_are_tried_in_turn_until_one_bridges()
    {
        DialWithWhisper("+15550000001,+15550000002,+15550000003", "completed");

        var result = await CallDriverTests.CallAsync(_server,
            technician: new TechnicianScript(TechnicianAnswer.NoAnswer, TechnicianAnswer.Accept(TimeSpan.FromMinutes(3))));

        Assert.Equal(["Dialing +15550000001 (with whisper)", "Dialing +15550000002 (with whisper)"],
            result.OfKind(TranscriptKind.Dialing).Select(e => e.Text));
        var whisper = _server.To("/twilio/whisper").Single();
        Assert.Equal("+15550000002", whisper["To"]);
        var done = _server.To("/twilio/dial-done").Single();
        Assert.Equal(("completed", whisper["CallSid"], "180"), (done["DialCallStatus"], done["DialCallSid"], done["DialCallDuration"]));
        Assert.Equal(2, _server.To("/twilio/child-status").Count);
    }

    [Fact]
    public async Task A_dial_without_action_continues_with_the_next_verb()
    {
        _server.Twiml("/twilio/voice", $"<Dial timeLimit=\"60\">{Technician}</Dial><Say>The technician has hung up.</Say>");

        var result = await CallDriverTests.CallAsync(_server, technician: TechnicianScript.Accepting(TimeSpan.FromMinutes(10)));

        Assert.Contains("00:01:00", result.OfKind(TranscriptKind.Bridged).Single().Text, StringComparison.Ordinal);
        Assert.Equal("The technician has hung up.", result.OfKind(TranscriptKind.Said).Last().Text);
        Assert.Equal(2, _server.Requests.Count); // voice + final status callback: a plain number has no whisper
        Assert.True(result.Duration < TimeSpan.FromMinutes(2), "timeLimit caps the talk time");
    }

    [Fact]
    public async Task A_failing_whisper_fails_the_attempt_but_not_the_call()
    {
        DialWithWhisper(Technician);
        _server.Respond("/twilio/whisper", _ => Microsoft.AspNetCore.Http.Results.StatusCode(500));

        var result = await CallDriverTests.CallAsync(_server);

        Assert.Equal("failed", _server.To("/twilio/dial-done").Single()["DialCallStatus"]);
        Assert.Equal(CallLeg.Technician, result.OfKind(TranscriptKind.ApplicationError).Single().Leg);
        Assert.Equal(CallOutcome.Completed, result.Outcome);
        Assert.False(result.Succeeded);
    }
}
