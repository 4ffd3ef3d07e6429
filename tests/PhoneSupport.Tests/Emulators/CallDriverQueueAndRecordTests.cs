using PhoneSupport.Emulators.Twilio;

namespace PhoneSupport.Tests.Emulators;

public sealed class CallDriverQueueAndRecordTests : IAsyncLifetime
{
    private TwimlTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TwimlTestServer.StartAsync();
        _server.Twiml("/twilio/voice", "<Enqueue waitUrl=\"/twilio/hold\" action=\"/twilio/queue-done\">support</Enqueue><Say>Unreachable</Say>");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_caller_who_gives_up_on_hold_ends_the_call_with_queue_result_hangup()
    {
        _server.Twiml("/twilio/hold", "<Say>All technicians are busy. Please hold.</Say><Play>https://example.com/hold.mp3</Play>");

        var result = await CallDriverTests.CallAsync(_server, new ScriptedCaller(Array.Empty<string>()) { QueueRounds = 2 });

        var holds = _server.To("/twilio/hold");
        Assert.Equal(2, holds.Count);
        Assert.Matches("^QU[0-9a-f]{32}$", holds[0]["QueueSid"]);
        Assert.True(int.Parse(holds[1]["QueueTime"]!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        var done = _server.To("/twilio/queue-done").Single();
        Assert.Equal(("hangup", "completed"), (done["QueueResult"], done["CallStatus"]));
        Assert.Equal(holds[0]["QueueSid"], done["QueueSid"]);
        Assert.Single(result.OfKind(TranscriptKind.Queued));
        Assert.DoesNotContain(result.OfKind(TranscriptKind.Said), e => e.Text == "Unreachable");
        Assert.Equal(CallOutcome.Completed, result.Outcome);
    }

    [Fact]
    public async Task Leave_from_a_gather_in_the_wait_url_posts_queue_result_leave_and_follows_the_action()
    {
        _server
            .Twiml("/twilio/hold", "<Gather numDigits=\"1\" action=\"/twilio/hold-key\"><Say>Press 1 to leave a message.</Say></Gather>")
            .Twiml("/twilio/hold-key", r => r["Digits"] == "1" ? "<Leave/>" : "<Say>Keep holding.</Say>")
            .Twiml("/twilio/queue-done", r => r["QueueResult"] == "leave"
                ? "<Say>Leave a message after the beep.</Say><Record action=\"/twilio/recorded\" maxLength=\"60\"/>"
                : "<Hangup/>")
            .Twiml("/twilio/recorded", "<Say>Thanks, goodbye.</Say><Hangup/>");

        var result = await CallDriverTests.CallAsync(_server, new ScriptedCaller(["", "1"]) { RecordingLength = TimeSpan.FromSeconds(12) });

        Assert.Equal(2, _server.To("/twilio/hold").Count); // silent first round, key on the second
        Assert.Equal("leave", _server.To("/twilio/queue-done").Single()["QueueResult"]);
        var recorded = _server.To("/twilio/recorded").Single();
        Assert.StartsWith($"https://api.twilio.com/2010-04-01/Accounts/{CallDriverTests.AccountSid}/Recordings/RE", recorded["RecordingUrl"], StringComparison.Ordinal);
        Assert.Equal(("12", "#"), (recorded["RecordingDuration"], recorded["Digits"]));
        Assert.Single(result.OfKind(TranscriptKind.Recorded));
        Assert.Equal("Thanks, goodbye.", result.OfKind(TranscriptKind.Said).Last().Text);
    }

    [Fact]
    public async Task Hanging_up_after_recording_posts_digits_hangup()
    {
        _server.Twiml("/twilio/voice", "<Record action=\"/twilio/recorded\" finishOnKey=\"*\"/><Say>Unreachable</Say>")
            .Twiml("/twilio/recorded", "<Say>Ignored: the caller is gone.</Say>");

        var result = await CallDriverTests.CallAsync(_server, new ScriptedCaller(Array.Empty<string>()) { HangUpAfterRecording = true });

        var recorded = _server.To("/twilio/recorded").Single();
        Assert.Equal(("hangup", "completed", "8"), (recorded["Digits"], recorded["CallStatus"], recorded["RecordingDuration"]));
        Assert.Empty(result.OfKind(TranscriptKind.Said));
        Assert.Single(_server.To("/twilio/voice/status"));
    }

    [Fact]
    public async Task A_record_with_a_recording_status_callback_posts_the_completed_recording_signed_after_the_action()
    {
        _server.Twiml("/twilio/voice", "<Record action=\"/twilio/recorded\" recordingStatusCallback=\"/twilio/recording?call=x\"/><Say>Unreachable</Say>")
            .Twiml("/twilio/recorded", "<Say>Thanks.</Say><Hangup/>")
            .Twiml("/twilio/recording", "");

        await CallDriverTests.CallAsync(_server, new ScriptedCaller(Array.Empty<string>()) { RecordingLength = TimeSpan.FromSeconds(15) });

        var recorded = _server.To("/twilio/recorded").Single();
        var status = _server.To("/twilio/recording").Single();
        Assert.Equal((recorded["RecordingSid"], recorded["RecordingUrl"], "15", "completed", recorded["CallSid"]),
            (status["RecordingSid"], status["RecordingUrl"], status["RecordingDuration"], status["RecordingStatus"], status["CallSid"]));
        Assert.Equal(CallDriverTests.ExpectedSignature(status), status.Signature);
        Assert.True(_server.Requests.ToList().IndexOf(recorded) < _server.Requests.ToList().IndexOf(status));
    }

    [Fact]
    public async Task An_empty_recording_skips_the_action()
    {
        _server.Twiml("/twilio/voice", "<Record action=\"/twilio/recorded\"/><Say>No message was left.</Say>");

        var result = await CallDriverTests.CallAsync(_server, new ScriptedCaller(Array.Empty<string>()) { RecordingLength = TimeSpan.Zero });

        Assert.Empty(_server.To("/twilio/recorded"));
        Assert.Equal("No message was left.", result.OfKind(TranscriptKind.Said).Single().Text);
    }
}
