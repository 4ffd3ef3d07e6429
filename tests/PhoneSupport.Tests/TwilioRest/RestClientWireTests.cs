using System.Text;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Tests.TwilioRest;

/// <summary>The client against the emulator over real HTTP: exact form keys, headers, paths and parsing.</summary>
public sealed class RestClientWireTests : IAsyncLifetime
{
    private RestHarness _rest = null!;

    public async Task InitializeAsync() => _rest = await RestHarness.StartAsync();

    public async Task DisposeAsync() => await _rest.DisposeAsync();

    [Fact]
    public async Task Create_call_posts_twilios_form_keys_with_basic_auth_and_parses_the_201()
    {
        var call = await _rest.Client.CreateCallAsync(new CreateCallOptions(RestHarness.Technician, RestHarness.From)
        {
            Url = new Uri("https://service.example/twilio/outbound?ticket=7"),
            Method = HttpMethod.Get,
            StatusCallback = new Uri("https://service.example/twilio/outbound/status"),
            StatusCallbackEvent = [CallStatusEvent.Initiated, CallStatusEvent.Answered, CallStatusEvent.Completed],
            StatusCallbackMethod = HttpMethod.Post,
            Timeout = 25,
            TimeLimit = 3600,
            Record = true,
            MachineDetection = MachineDetection.Enable,
            CallerId = "+15550100009",
        });

        var request = _rest.Emulator.RequestsTo(TwilioEndpoint.CreateCall).Single();
        Assert.Equal(("POST", $"/2010-04-01/Accounts/{RestHarness.AccountSid}/Calls.json"), (request.Method, request.Path));
        Assert.Equal(
        [
            KeyValuePair.Create("To", RestHarness.Technician), KeyValuePair.Create("From", RestHarness.From),
            KeyValuePair.Create("Url", "https://service.example/twilio/outbound?ticket=7"), KeyValuePair.Create("Method", "GET"),
            KeyValuePair.Create("StatusCallback", "https://service.example/twilio/outbound/status"),
            KeyValuePair.Create("StatusCallbackEvent", "initiated"), KeyValuePair.Create("StatusCallbackEvent", "answered"),
            KeyValuePair.Create("StatusCallbackEvent", "completed"), KeyValuePair.Create("StatusCallbackMethod", "POST"),
            KeyValuePair.Create("Timeout", "25"), KeyValuePair.Create("TimeLimit", "3600"), KeyValuePair.Create("Record", "true"),
            KeyValuePair.Create("MachineDetection", "Enable"), KeyValuePair.Create("CallerId", "+15550100009"),
        ], InTwilioOrder(request.Form, "To", "From", "Url", "Method", "StatusCallback", "StatusCallbackEvent", "StatusCallbackMethod",
            "Timeout", "TimeLimit", "Record", "MachineDetection", "CallerId")); // the library writes them in its own order
        var expectedAuth = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RestHarness.AccountSid}:{RestHarness.AuthToken}"));
        Assert.Equal(expectedAuth, request.Authorization);
        Assert.Equal((RestHarness.AccountSid, RestHarness.AuthToken), request.BasicCredentials);
        Assert.Equal("application/x-www-form-urlencoded", request.ContentType); // the library's FormUrlEncodedContent (UTF-8)
        Assert.Equal("application/json", request.Accept);
        Assert.Equal(201, request.ResponseStatus);

        var created = _rest.Emulator.Calls.Single();
        Assert.Matches("^CA[0-9a-f]{32}$", call.Sid);
        Assert.Equal(created.Sid, call.Sid);
        Assert.Equal((CallStatus.Queued, "outbound-api"), (call.Status, call.Direction));
        Assert.Equal((RestHarness.Technician, RestHarness.From, "(555) 010-2222"), (call.To, call.From, call.ToFormatted));
        Assert.Equal(RestHarness.AccountSid, call.AccountSid);
        Assert.Equal(created.DateCreated.ToUnixTimeSeconds(), call.DateCreated!.Value.ToUnixTimeSeconds());
        Assert.Null(call.Duration);
        Assert.Null(call.StartTime);
        Assert.Equal($"/2010-04-01/Accounts/{RestHarness.AccountSid}/Calls/{call.Sid}.json", call.Uri);
        Assert.Equal(["initiated", "answered", "completed"], created.StatusCallbackEvents);
    }

    [Fact]
    public async Task Inline_twiml_arrives_intact_as_utf8_form_data()
    {
        const string twiml = "<Response><Say language=\"de-DE\">Grüße &amp; bis bald + 100%</Say></Response>";

        await _rest.Client.CreateCallAsync(new CreateCallOptions(RestHarness.Customer, RestHarness.From) { Twiml = twiml });

        var call = _rest.Emulator.Calls.Single();
        Assert.Equal(twiml, call.Twiml);
        Assert.Null(call.Url);
        Assert.Equal(["To", "From", "Twiml"], call.Parameters.Select(p => p.Key));
    }

    [Fact]
    public async Task A_call_without_instructions_is_refused_before_anything_is_sent()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            _rest.Client.CreateCallAsync(new CreateCallOptions(RestHarness.Technician, RestHarness.From)));

        Assert.Contains("Url", error.Message, StringComparison.Ordinal);
        Assert.Empty(_rest.Emulator.Requests);
    }

    [Fact]
    public async Task Update_redirects_with_url_or_twiml_and_completes_with_status()
    {
        var tracked = _rest.Emulator.TrackCall("CA" + new string('1', 32), RestHarness.Customer, "+17038803095");

        var redirected = await _rest.Client.UpdateCallAsync(tracked.Sid,
            UpdateCallOptions.Redirect(new Uri("https://service.example/twilio/queue/connect?tech=4"), HttpMethod.Post));
        await _rest.Client.UpdateCallAsync(tracked.Sid, new UpdateCallOptions { Twiml = "<Response><Hangup/></Response>" });
        var completed = await _rest.Client.UpdateCallAsync(tracked.Sid, UpdateCallOptions.Complete());

        var updates = _rest.Emulator.RequestsTo(TwilioEndpoint.UpdateCall);
        Assert.All(updates, u => Assert.Equal($"/2010-04-01/Accounts/{RestHarness.AccountSid}/Calls/{tracked.Sid}.json", u.Path));
        Assert.Equal([KeyValuePair.Create("Url", "https://service.example/twilio/queue/connect?tech=4"), KeyValuePair.Create("Method", "POST")],
            updates[0].Form);
        Assert.Equal([KeyValuePair.Create("Twiml", "<Response><Hangup/></Response>")], updates[1].Form);
        Assert.Equal([KeyValuePair.Create("Status", "completed")], updates[2].Form);
        Assert.Equal((CallStatus.InProgress, "inbound"), (redirected.Status, redirected.Direction));
        Assert.Equal(CallStatus.Completed, completed.Status);
        Assert.NotNull(completed.EndTime);
        Assert.Equal(0, completed.Duration);
        Assert.Equal(3, tracked.Updates.Count);
    }

    [Fact]
    public async Task Redirecting_an_ended_call_is_twilio_error_21220()
    {
        var tracked = _rest.Emulator.TrackCall("CA" + new string('2', 32), RestHarness.Customer, "+17038803095", status: "completed");

        var error = await Assert.ThrowsAsync<TwilioApiException>(() =>
            _rest.Client.UpdateCallAsync(tracked.Sid, UpdateCallOptions.Redirect(new Uri("https://service.example/x"))));

        Assert.Equal((400, 21220), (error.Status, error.Code));
        Assert.Single(_rest.Emulator.RequestsTo(TwilioEndpoint.UpdateCall)); // a 4xx is final
    }

    [Fact]
    public async Task Fetch_returns_the_call_and_null_for_an_unknown_sid()
    {
        var created = await _rest.Client.CreateCallAsync(RestHarness.Call());

        var fetched = await _rest.Client.FetchCallAsync(created.Sid);
        var missing = await _rest.Client.FetchCallAsync("CA" + new string('f', 32));

        Assert.Equal(created with { DateUpdated = fetched!.DateUpdated }, fetched);
        Assert.Null(missing);
        Assert.Equal([200, 404], _rest.Emulator.RequestsTo(TwilioEndpoint.FetchCall).Select(r => r.ResponseStatus));
    }

    [Fact]
    public async Task List_filters_by_to_and_from_and_follows_next_page_uri()
    {
        var toTechnician = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            toTechnician.Add((await _rest.Client.CreateCallAsync(RestHarness.Call())).Sid);
            await _rest.Client.CreateCallAsync(RestHarness.Call(to: RestHarness.Customer));
        }

        var calls = await _rest.Client.ListCallsAsync(new ListCallsOptions { To = RestHarness.Technician, From = RestHarness.From, PageSize = 2 });

        Assert.Equal(toTechnician.OrderBy(s => s), calls.Select(c => c.Sid).OrderBy(s => s));
        var lists = _rest.Emulator.RequestsTo(TwilioEndpoint.ListCalls);
        Assert.Equal(2, lists.Count);
        Assert.Equal([KeyValuePair.Create("To", RestHarness.Technician), KeyValuePair.Create("From", RestHarness.From), KeyValuePair.Create("PageSize", "2")],
            lists[0].Query);
        Assert.Equal("1", lists[1]["Page"]);
        Assert.All(lists, l => Assert.Equal("GET", l.Method));
    }

    [Fact]
    public async Task List_sends_status_and_start_day_filters_and_honours_the_limit()
    {
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        for (var i = 0; i < 3; i++)
        {
            await _rest.Client.CreateCallAsync(RestHarness.Call());
        }

        var queued = await _rest.Client.ListCallsAsync(new ListCallsOptions { Status = CallStatus.Queued, StartTimeAfter = today, Limit = 2 });
        var tomorrow = await _rest.Client.ListCallsAsync(new ListCallsOptions { StartTimeAfter = today.AddDays(1) });
        var ringing = await _rest.Client.ListCallsAsync(new ListCallsOptions { Status = CallStatus.Ringing });

        Assert.Equal(2, queued.Count);
        Assert.Empty(tomorrow);
        Assert.Empty(ringing);
        var first = _rest.Emulator.RequestsTo(TwilioEndpoint.ListCalls)[0];
        // The library sends the day as midnight UTC in ISO 8601, which Twilio reads as that day.
        Assert.Equal(("queued", today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + "T00:00:00Z", "2"),
            (first["Status"], first["StartTime>"], first["PageSize"]));
    }

    [Fact]
    public async Task Messages_post_to_from_body_and_parse_the_sms()
    {
        var message = await _rest.Client.CreateMessageAsync(new CreateMessageOptions(RestHarness.Customer)
        {
            From = RestHarness.From,
            Body = "Your technician calls you back within 30 minutes. Ticket #7.",
            StatusCallback = new Uri("https://service.example/twilio/sms/status"),
        });

        var request = _rest.Emulator.RequestsTo(TwilioEndpoint.CreateMessage).Single();
        Assert.Equal($"/2010-04-01/Accounts/{RestHarness.AccountSid}/Messages.json", request.Path);
        Assert.Equal(
        [
            KeyValuePair.Create("To", RestHarness.Customer), KeyValuePair.Create("From", RestHarness.From),
            KeyValuePair.Create("Body", "Your technician calls you back within 30 minutes. Ticket #7."),
            KeyValuePair.Create("StatusCallback", "https://service.example/twilio/sms/status"),
        ], InTwilioOrder(request.Form, "To", "From", "Body", "StatusCallback"));
        Assert.Matches("^SM[0-9a-f]{32}$", message.Sid);
        Assert.Equal(("queued", 1, RestHarness.Customer), (message.Status, message.NumSegments, message.To));
        Assert.Equal(message.Sid, _rest.Emulator.Messages.Single().Sid);
        Assert.Empty(_rest.Emulator.Calls);
    }

    [Fact]
    public async Task A_wrong_auth_token_is_error_20003_and_is_not_retried()
    {
        await using var wrong = await RestHarness.StartAsync(authToken: "not-the-token");

        var error = await Assert.ThrowsAsync<TwilioApiException>(() => wrong.Client.CreateCallAsync(RestHarness.Call()));

        Assert.Equal((401, 20003, "Authenticate"), (error.Status, error.Code, error.Message));
        Assert.Equal("https://www.twilio.com/docs/errors/20003", error.MoreInfo);
        Assert.Single(wrong.Emulator.Requests);
        Assert.Empty(wrong.Emulator.Calls);
    }

    [Fact]
    public async Task An_invalid_number_is_error_21211_from_twilio()
    {
        var error = await Assert.ThrowsAsync<TwilioApiException>(() => _rest.Client.CreateCallAsync(RestHarness.Call(to: "555-0100")));

        Assert.Equal((400, 21211), (error.Status, error.Code));
        Assert.StartsWith("Invalid 'To' Phone Number", error.Message, StringComparison.Ordinal);
        Assert.Empty(_rest.Emulator.Calls);
        Assert.Single(_rest.Emulator.Requests);
    }

    /// <summary>The form sorted by the order of <paramref name="keys"/> (repeated keys keep their order), every key listed.</summary>
    private static List<KeyValuePair<string, string>> InTwilioOrder(IReadOnlyList<KeyValuePair<string, string>> form, params string[] keys)
    {
        Assert.All(form, p => Assert.Contains(p.Key, keys));
        return form.OrderBy(p => Array.IndexOf(keys, p.Key)).ToList();
    }
}
