using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Billing;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>
/// Messages are promises (issue 11): a recorded message keeps the callback its prompt promised, with the recording attached
/// whichever of Twilio's requests comes first; a quote asked for by phone becomes a quote that is priced and texted once.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class MessageTests(ServiceFixture fixture) : IDisposable
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose() => fixture.Clock.Set(_restore);

    private void At(int year, int month, int day, int hour) => fixture.Clock.Set(NewYork.AtStrictly(new LocalDateTime(year, month, day, hour, 0)).ToInstant());

    private static Instant NewYorkTime(int year, int month, int day, int hour) => NewYork.AtStrictly(new LocalDateTime(year, month, day, hour, 0)).ToInstant();

    [Fact]
    public async Task SalesMessage_FridayEvening_IsCalledBackByMondayTenWithTheRecordingAttached()
    {
        At(2026, 12, 4, 19); // Friday 19:00 New York: sales is closed until Monday 09:00
        var from = AdminApi.NewPhone();

        var (result, said) = await SimulatedCalls.CallAsync(fixture, "+17038803095", from, ScriptedCaller.Keys("1"));

        Assert.Contains("We will call you back within one hour of opening.", said);
        var sid = result.CallSid;
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from messages where call_sid = $1", sid));
        var recordingUrl = await fixture.ScalarAsync<string>("select recording_url from messages where call_sid = $1", sid);
        Assert.StartsWith($"https://api.twilio.com/2010-04-01/Accounts/{ServiceFixture.AccountSid}/Recordings/RE", recordingUrl, StringComparison.Ordinal);
        Assert.Equal(NewYorkTime(2026, 12, 7, 10).ToDateTimeUtc(), await fixture.ScalarAsync<DateTime>("select c.due_at from messages m join callbacks c on c.id = m.callback_id where m.call_sid = $1", sid));
        Assert.Equal("sales", await fixture.ScalarAsync<string>("select c.skill from messages m join callbacks c on c.id = m.callback_id where m.call_sid = $1", sid));
        Assert.Equal(from, await fixture.ScalarAsync<string>("select c.phone_number from messages m join callbacks c on c.id = m.callback_id where m.call_sid = $1", sid));

        await using var api = new AdminApi(fixture);
        var (technicianKey, _) = await api.CreateKeyAsync("technician");
        var (financeKey, _) = await api.CreateKeyAsync("finance");
        var listed = await AdminApi.ExpectAsync(await api.Client(financeKey).GetAsync("/api/messages?status=new&limit=200"), HttpStatusCode.OK);
        var message = Assert.Single(listed["items"]!.AsArray(), m => (string?)m!["callSid"] == sid)!.AsObject();
        Assert.Equal((recordingUrl, from, "new", "constellix"), ((string?)message["recordingUrl"], (string?)message["from"], (string?)message["status"], (string?)message["provider"]));
        Assert.Equal(8, (int)message["durationSeconds"]!);
        var callbackId = (string)message["callbackId"]!;
        var callback = await AdminApi.ExpectAsync(await api.Admin.GetAsync($"/api/callbacks/{callbackId}"), HttpStatusCode.OK);
        Assert.Equal(sid, (string?)callback["callSid"]);

        var id = (string)message["id"]!;
        Assert.Equal(HttpStatusCode.Forbidden, (await api.Client(financeKey).PostAsync($"/api/messages/{id}/handled", null)).StatusCode);
        var handled = await AdminApi.ExpectAsync(await api.Client(technicianKey).PostAsync($"/api/messages/{id}/handled", null), HttpStatusCode.OK);
        Assert.Equal("handled", (string?)handled["status"]);
        var read = await AdminApi.ExpectAsync(await api.Client(financeKey).GetAsync($"/api/messages/{id}"), HttpStatusCode.OK);
        Assert.Equal(("handled", callbackId), ((string?)read["status"], (string?)read["callbackId"]));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1 and kind = 'messageHandled'", sid));
        var newOnly = await AdminApi.ExpectAsync(await api.Client(financeKey).GetAsync("/api/messages?status=new&limit=200"), HttpStatusCode.OK);
        Assert.DoesNotContain(newOnly["items"]!.AsArray(), m => (string?)m!["callSid"] == sid);
        await AdminApi.ProblemAsync(await api.Admin.GetAsync("/api/messages?status=old"), HttpStatusCode.BadRequest);
        await AdminApi.ProblemAsync(await api.Admin.GetAsync($"/api/messages/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ALateRecordingStatusCallback_AttachesTheUrl_ToTheMessageTheActionStored()
    {
        At(2026, 12, 5, 11); // Saturday
        var (webhooks, sid, action) = await AtTheBeepAsync();

        // The Record action reports the recording's sid before Twilio has its URL.
        var thanks = await webhooks.PostTwimlAsync(action, Form(sid, ("RecordingSid", "RE" + sid[2..]), ("RecordingDuration", "21"), ("Digits", "#")));

        Assert.Contains("Your message has been recorded", TwilioWebhooks.Spoken(thanks));
        Assert.Null(await fixture.ScalarAsync<string>("select recording_url from messages where call_sid = $1", sid));
        Assert.NotNull(await fixture.ScalarAsync<Guid?>("select callback_id from messages where call_sid = $1", sid));

        var url = $"https://api.twilio.com/2010-04-01/Accounts/{ServiceFixture.AccountSid}/Recordings/RE{sid[2..]}";
        using var late = await webhooks.PostAsync($"/twilio/voice/recording?call={sid}", Recording(sid, url, "21"));
        Assert.True(late.IsSuccessStatusCode);

        Assert.Equal(url, await fixture.ScalarAsync<string>("select recording_url from messages where call_sid = $1", sid));
        Assert.Equal(21, await fixture.ScalarAsync<int>("select duration_seconds from messages where call_sid = $1", sid));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from callbacks where call_sid = $1", sid));
    }

    [Fact]
    public async Task RecordingCallbacks_BeforeTheAction_RepeatedAndConcurrent_StoreOneMessageWithOneCallback()
    {
        At(2026, 12, 5, 12);
        var (webhooks, sid, action) = await AtTheBeepAsync();
        var url = $"https://api.twilio.com/2010-04-01/Accounts/{ServiceFixture.AccountSid}/Recordings/RE{sid[2..]}";

        // The status callback first (a short recording), then the action and both again, all at once.
        using (var first = await webhooks.PostAsync($"/twilio/voice/recording?call={sid}", Recording(sid, url, "9"))) Assert.True(first.IsSuccessStatusCode);
        var actionForm = Form(sid, ("RecordingSid", "RE" + sid[2..]), ("RecordingUrl", url), ("RecordingDuration", "9"), ("Digits", "#"));
        var requests = Enumerable.Range(0, 4).Select(i => i % 2 == 0
            ? webhooks.PostAsync(action, actionForm)
            : webhooks.PostAsync($"/twilio/voice/recording?call={sid}", Recording(sid, url, "9"))).ToList();
        foreach (var response in await Task.WhenAll(requests)) using (response) Assert.True(response.IsSuccessStatusCode);

        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from messages where call_sid = $1", sid));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from callbacks where call_sid = $1", sid));
        Assert.Equal(url, await fixture.ScalarAsync<string>("select recording_url from messages where call_sid = $1", sid));
        Assert.Equal(await fixture.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", sid),
            await fixture.ScalarAsync<Guid>("select callback_id from messages where call_sid = $1", sid));
        // A forged recording callback is refused and changes nothing.
        using var forged = await webhooks.PostAsync($"/twilio/voice/recording?call={sid}", Recording(sid, "https://evil.example/rec", "1"), signature: "bad");
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal(url, await fixture.ScalarAsync<string>("select recording_url from messages where call_sid = $1", sid));
    }

    [Fact]
    public async Task AQuoteAskedForByPhone_IsListedPricedAndTextedOnce_AndAcceptedByReplyingYes()
    {
        At(2026, 12, 4, 20); // Friday night: SmallBusiness phone support is quoted first, at $190 per hour
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "SmallBusiness", stripeCustomer: Billed.NewCustomer());

        var (result, said) = await SimulatedCalls.CallAsync(fixture, "+17038803095", account.Phone, ScriptedCaller.Keys("3", "1", "1"));

        Assert.Contains("To ask for a quote by text message, press 1.", said);
        Assert.Contains("A technician will text the quote to the number you are calling from.", said);
        await using var api = new AdminApi(fixture);
        var (technicianKey, _) = await api.CreateKeyAsync("technician");
        var (financeKey, _) = await api.CreateKeyAsync("finance");
        var requested = await AdminApi.ExpectAsync(await api.Client(financeKey).GetAsync($"/api/quotes?status=requested&accountId={account.AccountId}"), HttpStatusCode.OK);
        var quote = Assert.Single(requested["items"]!.AsArray())!.AsObject();
        Assert.Equal((result.CallSid, account.Phone, "night", 19000L), ((string?)quote["requestedCallSid"], (string?)quote["phoneNumber"], (string?)quote["window"], (long)quote["ratePerHour"]!["amount"]!));
        Assert.Null(quote["amount"]);
        var message = await AdminApi.ExpectAsync(await api.Admin.GetAsync("/api/messages?limit=200"), HttpStatusCode.OK);
        Assert.Equal((string?)quote["id"], (string?)message["items"]!.AsArray().Single(m => (string?)m!["callSid"] == result.CallSid)!["quoteId"]);

        // Priced by a technician, five times at once: one SMS.
        var id = (string)quote["id"]!;
        var prices = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => api.Client(technicianKey).PostAsJsonAsync($"/api/quotes/{id}/price", new { estimatedMinutes = 45 })));
        foreach (var response in prices) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var priced = await AdminApi.ExpectAsync(await api.Client(technicianKey).PostAsJsonAsync($"/api/quotes/{id}/price", new { estimatedMinutes = 45 }), HttpStatusCode.OK);
        Assert.Equal(("sent", 45, 19000L), ((string?)priced["status"], (int)priced["estimatedMinutes"]!, (long)priced["amount"]!["amount"]!)); // 2 half-hour steps
        var sms = Assert.Single(fixture.Twilio.Messages, m => m.To == account.Phone);
        Assert.Equal((string?)priced["smsSid"], sms.Sid);
        Assert.Equal("+17038803095", sms.From);
        Assert.Contains("190.00 USD", sms.Body);
        Assert.Contains("Reply YES to accept", sms.Body);
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1 and kind = 'quotePriced'", result.CallSid));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1 and kind = 'quoteSent'", result.CallSid));
        await AdminApi.ProblemAsync(await api.Client(technicianKey).PostAsJsonAsync($"/api/quotes/{id}/price", new { estimatedMinutes = 90 }), HttpStatusCode.Conflict);
        await AdminApi.ProblemAsync(await api.Client(technicianKey).PostAsJsonAsync($"/api/quotes/{id}/price", new { }), HttpStatusCode.BadRequest);
        Assert.Single(fixture.Twilio.Messages, m => m.To == account.Phone);

        // The caller replies YES: accepted, the callback is scheduled as for any accepted quote.
        var webhooks = new TwilioWebhooks(fixture.Factory.CreateClient());
        var yes = new Dictionary<string, string?>
        {
            ["MessageSid"] = "SM" + Guid.NewGuid().ToString("N"), ["AccountSid"] = ServiceFixture.AccountSid, ["From"] = account.Phone, ["To"] = "+17038803095", ["Body"] = " yes ",
        };
        using (var forged = await webhooks.PostAsync("/twilio/sms", yes, signature: "forged")) Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal("sent", await fixture.ScalarAsync<string>("select status from quotes where id = $1::uuid", id));
        using var reply = await webhooks.PostAsync("/twilio/sms", yes);
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Contains("<Message>Quote accepted. A technician will call you back by", await reply.Content.ReadAsStringAsync());
        var accepted = await AdminApi.ExpectAsync(await api.Client(financeKey).GetAsync($"/api/quotes?status=accepted&accountId={account.AccountId}"), HttpStatusCode.OK);
        var done = Assert.Single(accepted["items"]!.AsArray())!.AsObject();
        Assert.Equal($"sms:{account.Phone}", (string?)done["acceptedBy"]);
        Assert.Equal(account.Phone, await fixture.ScalarAsync<string>("select phone_number from callbacks where call_sid = $1", (string)done["callSid"]!));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from callbacks where call_sid = $1 and reason = 'quote'", (string)done["callSid"]!));

        // Accepting again (through the API, as before) changes nothing: one contact, one callback.
        var again = await AdminApi.ExpectAsync(await api.Admin.PostAsync($"/api/quotes/{id}/accept", null), HttpStatusCode.OK);
        Assert.Equal(((string?)done["callSid"], "accepted"), ((string?)again["callSid"], (string?)again["status"]));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from quotes q join callbacks c on c.id = q.callback_id where q.id = $1::uuid", id));
    }

    /// <summary>A Constellix sales call, signed webhook by webhook, up to the beep: the Record action's path.</summary>
    private async Task<(TwilioWebhooks Webhooks, string CallSid, string Action)> AtTheBeepAsync()
    {
        var webhooks = new TwilioWebhooks(fixture.Factory.CreateClient());
        var sid = TwilioWebhooks.NewCallSid();
        var from = AdminApi.NewPhone();
        var menu = await webhooks.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(sid, from: from));
        var record = await webhooks.PostTwimlAsync(TwilioWebhooks.ActionOf(menu), Form(sid, ("Digits", "1")));
        var verb = record.Descendants().Single(e => e.Name.LocalName == "Record");
        Assert.Equal($"{ServiceFixture.PublicBaseUrl}/twilio/voice/recording?call={sid}", verb.Attribute("recordingStatusCallback")?.Value);
        return (webhooks, sid, TwilioWebhooks.ActionOf(record));
    }

    private static Dictionary<string, string?> Form(string sid, params (string Key, string Value)[] extra)
    {
        var form = TwilioWebhooks.IncomingCall(sid);
        form["CallStatus"] = "in-progress";
        foreach (var (key, value) in extra) form[key] = value;
        return form;
    }

    private static Dictionary<string, string?> Recording(string sid, string url, string seconds) => new()
    {
        ["AccountSid"] = ServiceFixture.AccountSid, ["CallSid"] = sid, ["RecordingSid"] = "RE" + sid[2..], ["RecordingUrl"] = url,
        ["RecordingStatus"] = "completed", ["RecordingDuration"] = seconds, ["RecordingChannels"] = "1", ["RecordingSource"] = "RecordVerb",
    };
}
