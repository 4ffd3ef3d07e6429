using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Tests.Emulators;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Tests.TwilioRest;

/// <summary>The emulator plays Twilio's part of created calls against a small TwiML app, signed like Twilio.</summary>
public sealed class OutboundDrivingTests : IAsyncLifetime
{
    private TwimlTestServer _service = null!;

    public async Task InitializeAsync()
    {
        _service = await TwimlTestServer.StartAsync();
        _service
            .Twiml("/outbound", "<Gather numDigits=\"1\" action=\"/outbound/answer?ticket=7\">"
                + "<Say>Callback for ticket 7. Press 1 to call the customer.</Say></Gather><Say>Nothing pressed.</Say><Hangup/>")
            .Twiml("/outbound/answer", r => r["Digits"] == "1"
                ? $"<Say>Connecting.</Say><Dial action=\"/outbound/dial-done\" timeout=\"20\"><Number>{RestHarness.Customer}</Number></Dial>"
                : "<Hangup/>")
            .Twiml("/outbound/dial-done", "<Say>Thank you.</Say><Hangup/>");
    }

    public async Task DisposeAsync() => await _service.DisposeAsync();

    private static TwilioEmulatorOptions Emulator(bool automatic = false) => new()
    {
        AccountSid = RestHarness.AccountSid, AuthToken = RestHarness.AuthToken, DriveOutboundCalls = automatic,
    };

    private CreateCallOptions Callback(params CallStatusEvent[] events) => new(RestHarness.Technician, RestHarness.From)
    {
        Url = new Uri(_service.BaseUrl + "/outbound"),
        StatusCallback = new Uri(_service.BaseUrl + "/outbound/status"),
        StatusCallbackEvent = events,
    };

    [Fact]
    public async Task A_created_call_is_followed_signed_answered_by_scripts_and_reports_its_status()
    {
        await using var rest = await RestHarness.StartAsync(emulatorOptions: Emulator());
        rest.Emulator.Phone(RestHarness.Technician, CalledParty.Pressing("1"))
            .Phone(RestHarness.Customer, CalledParty.Talking(TimeSpan.FromMinutes(7)));
        var call = await rest.Client.CreateCallAsync(Callback(
            CallStatusEvent.Initiated, CallStatusEvent.Ringing, CallStatusEvent.Answered, CallStatusEvent.Completed));
        Assert.Empty(_service.Requests); // manual mode: nothing happens until the test runs the call

        var result = await rest.Emulator.RunCallAsync(call.Sid);

        var first = _service.To("/outbound").Single();
        Assert.Equal(_service.BaseUrl + "/outbound", first.Url);
        Assert.Equal((call.Sid, "outbound-api", "in-progress"), (first["CallSid"], first["Direction"], first["CallStatus"]));
        Assert.Equal((RestHarness.Technician, RestHarness.From, RestHarness.AccountSid), (first["To"], first["From"], first["AccountSid"]));
        Assert.All(_service.Requests, r => Assert.Equal(CallDriverTests.ExpectedSignature(r), r.Signature));
        Assert.Equal(("1", call.Sid), (_service.To("/outbound/answer").Single()["Digits"], _service.To("/outbound/answer").Single()["CallSid"]));
        var dialDone = _service.To("/outbound/dial-done").Single();
        Assert.Equal(("completed", "420", "true"), (dialDone["DialCallStatus"], dialDone["DialCallDuration"], dialDone["DialBridged"]));

        var callbacks = _service.To("/outbound/status");
        Assert.Equal(["initiated", "ringing", "in-progress", "completed"], callbacks.Select(c => c["CallStatus"]));
        Assert.Equal(["0", "1", "2", "3"], callbacks.Select(c => c["SequenceNumber"]));
        Assert.All(callbacks, c => Assert.Equal((call.Sid, "outbound-api"), (c["CallSid"], c["Direction"])));
        Assert.True(int.Parse(callbacks[^1]["CallDuration"]!, System.Globalization.CultureInfo.InvariantCulture) >= 420);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal((call.Sid, "completed"), (result.CallSid, result.FinalCallStatus));
        Assert.Contains(result.OfKind(TranscriptKind.Bridged), e => e.Text.Contains(RestHarness.Customer, StringComparison.Ordinal));
        var fetched = await rest.Client.FetchCallAsync(call.Sid);
        Assert.Equal(CallStatus.Completed, fetched!.Status);
        Assert.True(fetched.Duration >= 420);
        Assert.True(fetched.EndTime > fetched.StartTime);
        Assert.Same(result, await rest.Emulator.RunCallAsync(call.Sid)); // a call is played once
    }

    [Fact]
    public async Task Automatic_driving_starts_after_the_201_and_sends_only_completed_by_default()
    {
        await using var rest = await RestHarness.StartAsync(emulatorOptions: Emulator(automatic: true));
        rest.Emulator.Phone(RestHarness.Technician, CalledParty.Pressing("2"));

        var call = await rest.Client.CreateCallAsync(Callback());
        var result = await rest.Emulator.RunCallAsync(call.Sid).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Single(_service.To("/outbound"));
        Assert.Equal("2", _service.To("/outbound/answer").Single()["Digits"]);
        Assert.Empty(_service.To("/outbound/dial-done"));
        var callback = _service.To("/outbound/status").Single();
        Assert.Equal(("completed", "0"), (callback["CallStatus"], callback["SequenceNumber"]));
        Assert.Equal(CallDriverTests.ExpectedSignature(callback), callback.Signature);
        Assert.Equal("completed", result.FinalCallStatus);
        Assert.Same(result, rest.Emulator.FindCall(call.Sid)!.Result);
    }

    [Fact]
    public async Task Inline_twiml_is_played_without_fetching_anything()
    {
        await using var rest = await RestHarness.StartAsync(emulatorOptions: Emulator());
        var call = await rest.Client.CreateCallAsync(new CreateCallOptions(RestHarness.Customer, RestHarness.From)
        {
            Twiml = "<Response><Say>Your technician is on the way.</Say></Response>",
            StatusCallback = new Uri(_service.BaseUrl + "/outbound/status"),
        });

        var result = await rest.Emulator.RunCallAsync(call.Sid);

        Assert.Equal("Your technician is on the way.", result.OfKind(TranscriptKind.Said).Single().Text);
        Assert.Equal(0, result.Requests);
        Assert.Equal("/outbound/status", Assert.Single(_service.Requests).Path);
    }

    [Theory]
    [InlineData(PickUp.NoAnswer, "no-answer")]
    [InlineData(PickUp.Busy, "busy")]
    public async Task A_phone_that_is_not_picked_up_never_requests_the_url(PickUp pickUp, string expected)
    {
        await using var rest = await RestHarness.StartAsync(emulatorOptions: Emulator());
        rest.Emulator.Phone(RestHarness.Technician, new CalledParty { PickUp = pickUp });
        var call = await rest.Client.CreateCallAsync(Callback(CallStatusEvent.Ringing, CallStatusEvent.Completed));

        var result = await rest.Emulator.RunCallAsync(call.Sid);

        Assert.Empty(_service.To("/outbound"));
        Assert.Equal(["ringing", expected], _service.To("/outbound/status").Select(c => c["CallStatus"]));
        Assert.Equal("0", _service.To("/outbound/status")[^1]["CallDuration"]);
        Assert.Equal(expected, result.FinalCallStatus);
        Assert.Equal(expected, (await rest.Client.FetchCallAsync(call.Sid))!.Status);
    }

    [Fact]
    public async Task A_call_cancelled_before_it_rings_only_reports_canceled()
    {
        await using var rest = await RestHarness.StartAsync(emulatorOptions: Emulator());
        var call = await rest.Client.CreateCallAsync(Callback());
        var cancelled = await rest.Client.UpdateCallAsync(call.Sid, new UpdateCallOptions { Status = UpdateCallStatus.Canceled });

        var result = await rest.Emulator.RunCallAsync(call.Sid);

        Assert.Equal(CallStatus.Canceled, cancelled.Status);
        Assert.Equal("canceled", result.FinalCallStatus);
        Assert.Empty(_service.To("/outbound"));
        Assert.Equal("canceled", _service.To("/outbound/status").Single()["CallStatus"]);
    }

    [Fact]
    public async Task A_failing_url_is_an_application_error_and_the_call_still_completes()
    {
        _service.Respond("/outbound", _ => Microsoft.AspNetCore.Http.Results.StatusCode(500));
        await using var rest = await RestHarness.StartAsync(emulatorOptions: Emulator());
        var call = await rest.Client.CreateCallAsync(Callback());

        var result = await rest.Emulator.RunCallAsync(call.Sid);

        Assert.Equal(CallOutcome.ApplicationError, result.Outcome);
        Assert.Contains("HTTP 500", result.Error, StringComparison.Ordinal);
        Assert.Equal("completed", _service.To("/outbound/status").Single()["CallStatus"]);
    }

    [Fact]
    public async Task Only_created_calls_can_be_run()
    {
        await using var rest = await RestHarness.StartAsync(emulatorOptions: Emulator());
        var tracked = rest.Emulator.TrackCall("CA" + new string('4', 32), RestHarness.Customer, "+17038803095");

        await Assert.ThrowsAsync<InvalidOperationException>(() => rest.Emulator.RunCallAsync(tracked.Sid));
        await Assert.ThrowsAsync<InvalidOperationException>(() => rest.Emulator.RunCallAsync("CA" + new string('5', 32)));
    }
}
