using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>
/// Transfers (issue 12 item 5, decision 013) played end to end: the call driver plays Twilio and the technicians, the
/// first technician presses Transfer on their desk (the API with their own key), the service reserves the colleague and
/// redirects the caller's leg through the Twilio emulator's REST API, and the driver follows the redirect as Twilio does.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class TransferTests(ServiceFixture fixture) : IAsyncLifetime
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();
    private readonly AdminApi _api = new(fixture);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        fixture.Clock.Set(_restore);
        await _api.DisposeAsync();
    }

    private sealed record Setup(Routing First, Routing Colleague, TestAccounts.Created Account, HttpClient FirstDesk);

    private sealed record Routing(Guid Id, string Phone);

    /// <summary>Saturday 23:00 in New York: two on-call technicians, the first idle longest; the colleague has the skill tier2.</summary>
    private async Task<Setup> NightAsync()
    {
        var night = NewYork.AtStrictly(new LocalDateTime(2026, 7, 11, 23, 0)).ToInstant();
        fixture.Clock.Set(night);
        await TestTechnicians.OfflineAllAsync(fixture);
        var window = new Interval(night - Duration.FromHours(2), night + Duration.FromHours(8));
        var first = await TestTechnicians.CreateAsync(fixture, "constellix", onCall: window);
        var colleague = await TestTechnicians.CreateAsync(fixture, "constellix", skills: ["tier2"], onCall: window);
        await fixture.ScalarAsync<int>("update technicians set status_since = status_since - interval '5 minutes' where id = $1 returning 1", first.Id);
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));
        var (key, _) = await _api.CreateKeyAsync("technician", first.Id.ToString());
        return new Setup(new Routing(first.Id, first.PhoneNumber), new Routing(colleague.Id, colleague.PhoneNumber), account, _api.Client(key));
    }

    private async Task<(CallResult Result, List<HttpResponseMessage> DeskAnswers)> CallAsync(Setup setup, TechnicianScript technicians, object transferBody, int presses = 1,
        bool together = false, Action<WebhookExchange>? onWebhook = null)
    {
        var answers = new List<HttpResponseMessage>();
        var from = "+1555998" + TestAccounts.UniqueDigits(4);
        var driver = new CallDriver(fixture.Factory.CreateClient(), new CallDriverOptions
        {
            VoiceUrl = ServiceFixture.PublicBaseUrl + "/twilio/voice",
            AuthToken = ServiceFixture.AuthToken,
            AccountSid = ServiceFixture.AccountSid,
            From = from,
            To = "+17038803095",
            Caller = ScriptedCaller.Keys("2", setup.Account.ContractNumber + "#", "1"),
            Technician = technicians,
            StartTime = fixture.Clock.GetCurrentInstant().ToDateTimeOffset(),
            Desk = async (desk, ct) =>
            {
                // Twilio knows every call; the emulator learns of this inbound one so the REST API can redirect it.
                fixture.Twilio.TrackCall(desk.CallSid, from, "+17038803095");
                if (together)
                    answers.AddRange(await Task.WhenAll(Enumerable.Range(0, presses)
                        .Select(_ => setup.FirstDesk.PostAsJsonAsync($"/api/calls/{desk.CallSid}/transfer", transferBody, ct))));
                else
                    for (var i = 0; i < presses; i++)
                        answers.Add(await setup.FirstDesk.PostAsJsonAsync($"/api/calls/{desk.CallSid}/transfer", transferBody, ct));
            },
            Redirects = (sid, _) => Task.FromResult(fixture.Twilio.TakeRedirect(sid)),
            OnWebhook = onWebhook,
        });
        var result = await driver.RunAsync();
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Transcript));
        return (result, answers);
    }

    [Fact]
    public async Task WarmTransfer_ReachesTheColleagueOnlyAfterTheWhisperIsAccepted_AndTheIncidentBillsTheCombinedTalkOnce()
    {
        var setup = await NightAsync();
        var script = new TechnicianScript(
            TechnicianAnswer.AcceptThenTransfer(new TransferAsk("tier2", "warm", TimeSpan.FromMinutes(90)), TimeSpan.FromHours(3)),
            TechnicianAnswer.Accept(TimeSpan.FromHours(1)));

        var (result, desk) = await CallAsync(setup, script, new { skill = "tier2", mode = "warm" }, presses: 2);

        // The desk's repeated press answers the same transfer; Twilio was asked to move the caller once.
        var first = await AdminApi.ExpectAsync(desk[0], HttpStatusCode.Accepted);
        var again = await AdminApi.ExpectAsync(desk[1], HttpStatusCode.Accepted);
        Assert.Equal((string?)first["id"], (string?)again["id"]);
        Assert.Single(fixture.Twilio.FindCall(result.CallSid)!.Updates);
        Assert.Equal(setup.Colleague.Id.ToString(), (string?)first["toTechnicianId"]);

        // Order on the wire: the colleague's phone rings with a whisper, they hear who hands it over, press 1, then the bridge.
        var entries = result.Transcript.ToList();
        var dialColleague = entries.FindIndex(e => e.Kind == TranscriptKind.Dialing && e.Text.Contains(setup.Colleague.Phone, StringComparison.Ordinal));
        var whisper = entries.FindIndex(dialColleague, e => e.Kind == TranscriptKind.Whisper && e.Text.Contains("Transferred by", StringComparison.Ordinal));
        var pressed = entries.FindIndex(dialColleague, e => e.Kind == TranscriptKind.TechnicianPressed);
        var bridged = entries.FindIndex(dialColleague, e => e.Kind == TranscriptKind.Bridged);
        Assert.True(dialColleague > 0 && whisper > dialColleague && pressed > whisper && bridged > pressed, string.Join(Environment.NewLine, entries));
        Assert.Contains("(with whisper)", entries[dialColleague].Text, StringComparison.Ordinal);

        var sid = result.CallSid;
        Assert.Equal("completed", await fixture.ScalarAsync<string>("select status from call_transfers where call_sid = $1", sid));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from call_transfers where call_sid = $1", sid));
        // Both technicians' talk in one incident, each leg once: 1 h 30 + 1 h.
        Assert.Equal(2L, await fixture.ScalarAsync<long>("select count(*) from incident_legs where call_sid = $1", sid));
        Assert.Equal(9000, await fixture.ScalarAsync<int>("select talk_seconds from incidents where call_sid = $1", sid));
        Assert.Equal("closed", await fixture.ScalarAsync<string>("select status from incidents where call_sid = $1", sid));
        // Billed once: the included incident covers 2 h, the half hour beyond is one step of 60 dollars, one charge.
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", sid));
        Assert.Equal(6000L, await fixture.ScalarAsync<long>("select amount from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", sid));
        Assert.Equal("committed", await fixture.ScalarAsync<string>("select status from allowance_uses where call_sid = $1", sid));
        // Both technicians wrap up; each accepted once.
        Assert.Equal("wrapUp", await fixture.ScalarAsync<string>("select status from technicians where id = $1", setup.First.Id));
        Assert.Equal("wrapUp", await fixture.ScalarAsync<string>("select status from technicians where id = $1", setup.Colleague.Id));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from technician_events where technician_id = $1 and kind = 'accepted'", setup.Colleague.Id));
    }

    [Fact]
    public async Task FourTransferRequestsAtOnce_MoveTheCallerOnce_AndAllAnswerTheSameTransfer()
    {
        var setup = await NightAsync();
        var script = new TechnicianScript(
            TechnicianAnswer.AcceptThenTransfer(new TransferAsk("tier2", "cold", TimeSpan.FromMinutes(3)), TimeSpan.FromMinutes(30)),
            TechnicianAnswer.Accept(TimeSpan.FromMinutes(7)));

        var (result, desk) = await CallAsync(setup, script, new { skill = "tier2", mode = "cold" }, presses: 4, together: true);

        var ids = new HashSet<string?>();
        foreach (var answer in desk) ids.Add((string?)(await AdminApi.ExpectAsync(answer, HttpStatusCode.Accepted))["id"]);
        Assert.Single(ids);
        Assert.Single(fixture.Twilio.FindCall(result.CallSid)!.Updates);
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from call_transfers where call_sid = $1", result.CallSid));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from technician_events where technician_id = $1 and kind = 'reserved'", setup.Colleague.Id));
        Assert.Equal(600, await fixture.ScalarAsync<int>("select talk_seconds from incidents where call_sid = $1", result.CallSid));
        var audit = await Desk.DeskApi.AuditAsync(_api.Admin, "call", result.CallSid);
        Assert.Equal(ids.Single(), (string?)Assert.Single(audit, a => (string?)a["action"] == "transferRequested")["after"]!["transferId"]);
    }

    [Fact]
    public async Task ColdTransfer_ToANamedColleague_ConnectsThemWhenTheyPickUp_WithoutAWhisper()
    {
        var setup = await NightAsync();
        var script = new TechnicianScript(
            TechnicianAnswer.AcceptThenTransfer(new TransferAsk(setup.Colleague.Id.ToString(), "cold", TimeSpan.FromMinutes(10)), TimeSpan.FromHours(1)),
            TechnicianAnswer.Accept(TimeSpan.FromMinutes(15)));

        var (result, desk) = await CallAsync(setup, script, new { technicianId = setup.Colleague.Id.ToString(), mode = "cold" });

        var transfer = await AdminApi.ExpectAsync(desk[0], HttpStatusCode.Accepted);
        Assert.Equal("cold", (string?)transfer["mode"]);
        var dialColleague = result.Transcript.Single(e => e.Kind == TranscriptKind.Dialing && e.Text.Contains(setup.Colleague.Phone, StringComparison.Ordinal));
        Assert.DoesNotContain("with whisper", dialColleague.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(result.OfKind(TranscriptKind.Whisper), e => e.Text.Contains("Transferred by", StringComparison.Ordinal));
        Assert.Equal(2, result.OfKind(TranscriptKind.Bridged).Count());
        Assert.Equal("completed", await fixture.ScalarAsync<string>("select status from call_transfers where call_sid = $1", result.CallSid));
        Assert.Equal(1500, await fixture.ScalarAsync<int>("select talk_seconds from incidents where call_sid = $1", result.CallSid));
        var list = await _api.Admin.GetFromJsonAsync<JsonArray>($"/api/calls/{result.CallSid}/transfers");
        Assert.Equal((string?)transfer["id"], (string?)list!.Single()!["id"]);
    }

    [Fact]
    public async Task WarmTransfer_DeclinedAtTheWhisper_NeverBridgesTheColleague_AndFreesThem()
    {
        var setup = await NightAsync();
        var script = new TechnicianScript(
            TechnicianAnswer.AcceptThenTransfer(new TransferAsk(setup.Colleague.Id.ToString(), "warm", TimeSpan.FromMinutes(20)), TimeSpan.FromHours(1)),
            TechnicianAnswer.Decline);

        var (result, desk) = await CallAsync(setup, script, new { technicianId = setup.Colleague.Id.ToString(), mode = "warm" });

        await AdminApi.ExpectAsync(desk[0], HttpStatusCode.Accepted);
        Assert.Single(result.OfKind(TranscriptKind.Bridged)); // the first technician only
        Assert.Equal("failed", await fixture.ScalarAsync<string>("select status from call_transfers where call_sid = $1", result.CallSid));
        Assert.Equal("available", await fixture.ScalarAsync<string>("select status from technicians where id = $1", setup.Colleague.Id));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from incident_legs where call_sid = $1", result.CallSid));
        Assert.Contains("could not be transferred", string.Join(" ", result.OfKind(TranscriptKind.Said).Select(e => e.Text)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WarmTransfer_Declined_ReturnsTheCallerToTheFirstTechnician_OneIncident_TalkCombinedOnce_OneCharge()
    {
        var setup = await NightAsync();
        var script = new TechnicianScript(
            TechnicianAnswer.AcceptThenTransfer(new TransferAsk("tier2", "warm", TimeSpan.FromMinutes(90)), TimeSpan.FromHours(3)),
            TechnicianAnswer.Decline,
            TechnicianAnswer.Accept(TimeSpan.FromHours(1)));

        var (result, desk) = await CallAsync(setup, script, new { skill = "tier2", mode = "warm" });

        await AdminApi.ExpectAsync(desk[0], HttpStatusCode.Accepted);
        var entries = result.Transcript.ToList();
        var said = string.Join(" ", result.OfKind(TranscriptKind.Said).Select(e => e.Text));
        Assert.Contains("Your colleague is not available; connecting you back.", said, StringComparison.Ordinal);
        Assert.DoesNotContain("could not be transferred", said, StringComparison.Ordinal);
        // Dialled: the first technician, the colleague (whisper, declined), the first technician again (no whisper), bridged.
        var dials = entries.Where(e => e.Kind == TranscriptKind.Dialing).Select(e => e.Text).ToList();
        Assert.Equal(3, dials.Count);
        Assert.Contains(setup.Colleague.Phone, dials[1], StringComparison.Ordinal);
        Assert.Contains(setup.First.Phone, dials[2], StringComparison.Ordinal);
        Assert.DoesNotContain("with whisper", dials[2], StringComparison.Ordinal);
        Assert.Equal(2, result.OfKind(TranscriptKind.Bridged).Count());

        var sid = result.CallSid;
        Assert.Equal(("failed", "declined", "returned-to-first"), (
            await fixture.ScalarAsync<string>("select status from call_transfers where call_sid = $1", sid),
            await fixture.ScalarAsync<string>("select not_taken from call_transfers where call_sid = $1", sid),
            await fixture.ScalarAsync<string>("select fallback from call_transfers where call_sid = $1", sid)));
        var listed = await _api.Admin.GetFromJsonAsync<JsonArray>($"/api/calls/{sid}/transfers");
        Assert.Equal("returned-to-first", (string?)listed!.Single()!["fallback"]);
        // One incident: 1 h 30 with the first technician, 1 h with them again; two legs, each once; one charge of one step.
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from incidents where call_sid = $1", sid));
        Assert.Equal(2L, await fixture.ScalarAsync<long>("select count(*) from incident_legs where call_sid = $1", sid));
        Assert.Equal(9000, await fixture.ScalarAsync<int>("select talk_seconds from incidents where call_sid = $1", sid));
        Assert.Equal("closed", await fixture.ScalarAsync<string>("select status from incidents where call_sid = $1", sid));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", sid));
        Assert.Equal(6000L, await fixture.ScalarAsync<long>("select amount from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", sid));
        // The colleague is free; the first technician took the caller back (their wrap-up ended) and wraps up again.
        Assert.Equal("available", await fixture.ScalarAsync<string>("select status from technicians where id = $1", setup.Colleague.Id));
        Assert.Equal("wrapUp", await fixture.ScalarAsync<string>("select status from technicians where id = $1", setup.First.Id));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from technician_events where technician_id = $1 and kind = 'reservedBack'", setup.First.Id));
    }

    [Fact]
    public async Task ATransferDialActionPostedAgain_WhileTheCallerIsBeingReturned_ReturnsThemOnce()
    {
        var setup = await NightAsync();
        var script = new TechnicianScript(
            TechnicianAnswer.AcceptThenTransfer(new TransferAsk("tier2", "cold", TimeSpan.FromMinutes(20)), TimeSpan.FromHours(1)),
            TechnicianAnswer.NoAnswer,
            TechnicianAnswer.Accept(TimeSpan.FromMinutes(10)));
        var webhooks = new TwilioWebhooks(fixture.Factory.CreateClient());
        var replays = new List<string>();
        string? firstAnswer = null;

        var (result, _) = await CallAsync(setup, script, new { skill = "tier2", mode = "cold" }, onWebhook: exchange =>
        {
            if (!exchange.Url.Contains("/voice/transfer/ended?", StringComparison.Ordinal) || exchange.Url.Contains("back=", StringComparison.Ordinal) || firstAnswer is not null)
                return;
            firstAnswer = exchange.Body;
            // Twilio posts the same dial action again (twice, at once, from the caller's leg) while the first technician rings.
            var path = new Uri(exchange.Url).PathAndQuery;
            var sid = fixture.ScalarAsync<string>("select call_sid from call_transfers where id = $1",
                Guid.ParseExact(System.Web.HttpUtility.ParseQueryString(new Uri(exchange.Url).Query)["transfer"]!, "N")).GetAwaiter().GetResult();
            var form = new Dictionary<string, string?>
            {
                ["CallSid"] = sid, ["AccountSid"] = ServiceFixture.AccountSid, ["CallStatus"] = "in-progress",
                ["DialCallStatus"] = "no-answer", ["DialCallSid"] = "CA" + Guid.NewGuid().ToString("N"), ["DialCallDuration"] = "0", ["DialBridged"] = "false",
            };
            var answers = Task.WhenAll(webhooks.PostAsync(path, form), webhooks.PostAsync(path, form)).GetAwaiter().GetResult();
            foreach (var answer in answers) replays.Add(answer.Content.ReadAsStringAsync().GetAwaiter().GetResult());
        });

        Assert.NotNull(firstAnswer);
        Assert.Equal(2, replays.Count);
        Assert.All(replays, r => Assert.Equal(firstAnswer, r));
        Assert.Contains(setup.First.Phone, firstAnswer, StringComparison.Ordinal);
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from technician_events where technician_id = $1 and kind = 'reservedBack'", setup.First.Id));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from technician_events where technician_id = $1 and kind = 'accepted' and data ->> 'callSid' like 'tr-%'",
            setup.First.Id));
        Assert.Equal(("no-answer", "returned-to-first"), (
            await fixture.ScalarAsync<string>("select not_taken from call_transfers where call_sid = $1", result.CallSid),
            await fixture.ScalarAsync<string>("select fallback from call_transfers where call_sid = $1", result.CallSid)));
        Assert.Equal(1800, await fixture.ScalarAsync<int>("select talk_seconds from incidents where call_sid = $1", result.CallSid));
        Assert.Equal(2, result.OfKind(TranscriptKind.Bridged).Count());
    }

    [Fact]
    public async Task ColdTransfer_NotAnswered_WhileTheFirstTechnicianWasTakenByAnotherCall_GoesOnWhereNoTechnicianIsFree()
    {
        var setup = await NightAsync();
        var script = new TechnicianScript(
            TechnicianAnswer.AcceptThenTransfer(new TransferAsk("tier2", "cold", TimeSpan.FromMinutes(30)), TimeSpan.FromHours(1)),
            TechnicianAnswer.NoAnswer);
        var other = "CA" + Guid.NewGuid().ToString("N");
        var taken = false;

        var (result, _) = await CallAsync(setup, script, new { skill = "tier2", mode = "cold" }, onWebhook: exchange =>
        {
            // The caller's leg is being moved (the first technician is in wrap-up now): another call takes them.
            if (taken || !exchange.Url.Contains("/voice/transfer?transfer=", StringComparison.Ordinal)) return;
            taken = true;
            fixture.ScalarAsync<int>("with t as (update technicians set status = 'busy', reserved_call_sid = $2 where id = $1 returning 1) select count(*)::int from t",
                setup.First.Id, other).GetAwaiter().GetResult();
        });

        Assert.True(taken);
        var sid = result.CallSid;
        var said = string.Join(" ", result.OfKind(TranscriptKind.Said).Select(e => e.Text));
        Assert.True(said.Contains("Your colleague is not available.", StringComparison.Ordinal), string.Join(Environment.NewLine, result.Transcript));
        Assert.DoesNotContain("could not be transferred", said, StringComparison.Ordinal);
        Assert.Single(result.OfKind(TranscriptKind.Bridged));
        Assert.Equal(("no-answer", "unavailable-exit"), (
            await fixture.ScalarAsync<string>("select not_taken from call_transfers where call_sid = $1", sid),
            await fixture.ScalarAsync<string>("select fallback from call_transfers where call_sid = $1", sid)));
        // Constellix's route step sends a caller nobody can take to the callback offer: the caller keeps the promise.
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from callbacks where call_sid = $1", sid));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1 and kind = 'transferNotTaken'", sid));
        Assert.Equal(0L, await fixture.ScalarAsync<long>("select count(*) from technician_events where technician_id = $1 and kind = 'reservedBack'", setup.First.Id));
        Assert.Equal(("busy", other), (await fixture.ScalarAsync<string>("select status from technicians where id = $1", setup.First.Id),
            await fixture.ScalarAsync<string>("select reserved_call_sid from technicians where id = $1", setup.First.Id)));
        Assert.Equal("available", await fixture.ScalarAsync<string>("select status from technicians where id = $1", setup.Colleague.Id));
        // The first technician's half hour is the incident's only leg; it stays open while the promised callback is pending.
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from incident_legs where call_sid = $1", sid));
        Assert.Equal(1800L, await fixture.ScalarAsync<long>("select sum(seconds) from incident_legs where call_sid = $1", sid));
    }

    [Fact]
    public async Task ConstructorPremierCaller_ColleagueBusy_FirstTechnicianTaken_IsQueuedForTheLine()
    {
        var zurich = DateTimeZoneProviders.Tzdb["Europe/Zurich"];
        fixture.Clock.Set(zurich.AtStrictly(new LocalDateTime(2026, 7, 8, 10, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        await fixture.ScalarAsync<int>("with q as (update queue_entries set status = 'left' where status in ('waiting', 'connecting') returning 1) select count(*)::int from q");
        var first = await TestTechnicians.CreateAsync(fixture, "constructor");
        var colleague = await TestTechnicians.CreateAsync(fixture, "constructor", skills: ["tier2"]);
        await fixture.ScalarAsync<int>("update technicians set status_since = status_since - interval '5 minutes' where id = $1 returning 1", first.Id);
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Premier");
        var (key, _) = await _api.CreateKeyAsync("technician", first.Id.ToString());
        var desk = _api.Client(key);
        var from = "+41445557" + TestAccounts.UniqueDigits(3);
        var other = "CA" + Guid.NewGuid().ToString("N");
        var driver = new CallDriver(fixture.Factory.CreateClient(), new CallDriverOptions
        {
            VoiceUrl = ServiceFixture.PublicBaseUrl + "/twilio/voice",
            AuthToken = ServiceFixture.AuthToken,
            AccountSid = ServiceFixture.AccountSid,
            From = from,
            To = "+41525550100",
            Caller = ScriptedCaller.Keys("1", account.AccountNumber, "2"),
            Technician = new TechnicianScript(
                TechnicianAnswer.AcceptThenTransfer(new TransferAsk("tier2", "cold", TimeSpan.FromMinutes(10)), TimeSpan.FromMinutes(30)),
                TechnicianAnswer.Busy),
            StartTime = fixture.Clock.GetCurrentInstant().ToDateTimeOffset(),
            Desk = async (call, ct) =>
            {
                fixture.Twilio.TrackCall(call.CallSid, from, "+41525550100");
                await AdminApi.ExpectAsync(await desk.PostAsJsonAsync($"/api/calls/{call.CallSid}/transfer", new { skill = "tier2", mode = "cold" }, ct),
                    HttpStatusCode.Accepted);
            },
            Redirects = (sid, _) => Task.FromResult(fixture.Twilio.TakeRedirect(sid)),
            OnWebhook = exchange =>
            {
                if (exchange.Url.Contains("/voice/transfer?transfer=", StringComparison.Ordinal))
                    fixture.ScalarAsync<int>("with t as (update technicians set status = 'busy', reserved_call_sid = $2 where id = $1 returning 1) select count(*)::int from t",
                        first.Id, other).GetAwaiter().GetResult();
            },
            MaxQueueRounds = 1,
        });

        var result = await driver.RunAsync();

        var sid = result.CallSid;
        var said = string.Join(" ", result.OfKind(TranscriptKind.Said).Select(e => e.Text));
        Assert.True(said.Contains("Your colleague is not available.", StringComparison.Ordinal), string.Join(Environment.NewLine, result.Transcript));
        Assert.Contains("Please hold for the next engineer.", said, StringComparison.Ordinal);
        Assert.Equal(("busy", "queued"), (
            await fixture.ScalarAsync<string>("select not_taken from call_transfers where call_sid = $1", sid),
            await fixture.ScalarAsync<string>("select fallback from call_transfers where call_sid = $1", sid)));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from queue_entries where call_sid = $1", sid));
        Assert.Equal("available", await fixture.ScalarAsync<string>("select status from technicians where id = $1", colleague.Id));
        await fixture.ScalarAsync<int>("with t as (update technicians set status = 'offline', reserved_call_sid = null where id = $1 returning 1) select count(*)::int from t", first.Id);
    }

    [Fact]
    public async Task TheApi_RefusesBadInput_UnknownCalls_EndedCalls_AnotherTechniciansCall_AndAMissingSkill()
    {
        var setup = await NightAsync();
        var (otherKey, _) = await _api.CreateKeyAsync("technician");
        var other = _api.Client(otherKey);
        JsonObject? busySkill = null;
        HttpResponseMessage? foreign = null;
        var script = new TechnicianScript(
            TechnicianAnswer.AcceptThenTransfer(new TransferAsk("nobody-has-it", "cold", TimeSpan.FromMinutes(5)), TimeSpan.FromMinutes(10)));
        var from = "+1555997" + TestAccounts.UniqueDigits(4);
        var driver = new CallDriver(fixture.Factory.CreateClient(), new CallDriverOptions
        {
            VoiceUrl = ServiceFixture.PublicBaseUrl + "/twilio/voice",
            AuthToken = ServiceFixture.AuthToken,
            AccountSid = ServiceFixture.AccountSid,
            From = from,
            Caller = ScriptedCaller.Keys("2", setup.Account.ContractNumber + "#", "1"),
            Technician = script,
            StartTime = fixture.Clock.GetCurrentInstant().ToDateTimeOffset(),
            Desk = async (desk, ct) =>
            {
                foreign = await other.PostAsJsonAsync($"/api/calls/{desk.CallSid}/transfer", new { skill = "tier2", mode = "cold" }, ct);
                busySkill = await AdminApi.ProblemAsync(
                    await setup.FirstDesk.PostAsJsonAsync($"/api/calls/{desk.CallSid}/transfer", new { skill = "nobody-has-it", mode = "cold" }, ct),
                    HttpStatusCode.Conflict);
            },
            Redirects = (sid, _) => Task.FromResult(fixture.Twilio.TakeRedirect(sid)),
        });
        var result = await driver.RunAsync();

        Assert.Equal(HttpStatusCode.Forbidden, foreign!.StatusCode);
        Assert.Contains("No technician with the skill 'nobody-has-it'", (string?)busySkill!["detail"], StringComparison.Ordinal);
        Assert.Equal(2, result.OfKind(TranscriptKind.Bridged).Count()); // refused: the first technician kept the caller and talked on
        var ended = await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync($"/api/calls/{result.CallSid}/transfer", new { skill = "tier2", mode = "warm" }),
            HttpStatusCode.Conflict);
        Assert.Contains("not in progress", (string?)ended["detail"], StringComparison.Ordinal);
        await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync("/api/calls/CA00000000000000000000000000000000/transfer", new { skill = "tier2", mode = "warm" }),
            HttpStatusCode.NotFound);
        var bad = await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync($"/api/calls/{result.CallSid}/transfer", new { skill = "tier2", technicianId = "x", mode = "lukewarm" }),
            HttpStatusCode.BadRequest);
        Assert.NotEmpty(AdminApi.Errors(bad, "mode"));
        Assert.Equal("failed", await fixture.ScalarAsync<string>("select status from call_transfers where call_sid = $1", result.CallSid));
        Assert.Equal("available", await fixture.ScalarAsync<string>("select status from technicians where id = $1", setup.Colleague.Id));
    }
}

/// <summary>The pieces <c>phonesupport call --technician transfer:…</c> plays a transfer with, outside the service host.</summary>
public sealed class TransferSimulatorTests
{
    [Fact]
    public async Task TheEmulatorsBackChannel_TracksAnInboundCall_AndHandsOutEachRestRedirectOnce()
    {
        await using var rest = await PhoneSupport.Tests.TwilioRest.RestHarness.StartAsync();
        using var http = new HttpClient();
        var auth = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            $"{PhoneSupport.Tests.TwilioRest.RestHarness.AccountSid}:{PhoneSupport.Tests.TwilioRest.RestHarness.AuthToken}")));
        const string sid = "CA" + "5555555555555555555555555555aaaa";
        async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, bool signed = true)
        {
            using var request = new HttpRequestMessage(method, rest.Emulator.BaseUrl + path) { Content = content };
            if (signed) request.Headers.Authorization = auth;
            return await http.SendAsync(request);
        }

        var anonymous = await SendAsync(HttpMethod.Post, $"/emulator/calls/{sid}/track", signed: false);
        var tracked = await SendAsync(HttpMethod.Post, $"/emulator/calls/{sid}/track",
            new FormUrlEncodedContent([new("From", "+15550101111"), new("To", "+17038803095")]));
        var none = await SendAsync(HttpMethod.Get, $"/emulator/calls/{sid}/redirect");
        await rest.Client.UpdateCallAsync(sid, PhoneSupport.Twilio.Rest.UpdateCallOptions.Redirect(new Uri("https://service.example/twilio/voice/transfer?transfer=1"), HttpMethod.Post));
        var redirect = await SendAsync(HttpMethod.Get, $"/emulator/calls/{sid}/redirect");
        var again = await SendAsync(HttpMethod.Get, $"/emulator/calls/{sid}/redirect");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, tracked.StatusCode);
        Assert.Equal("inbound", rest.Emulator.FindCall(sid)!.Direction);
        Assert.Equal(HttpStatusCode.NoContent, none.StatusCode);
        var body = await redirect.Content.ReadFromJsonAsync<Dictionary<string, string>>();
        Assert.Equal(("https://service.example/twilio/voice/transfer?transfer=1", "POST"), (body!["url"], body["method"]));
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
    }
}
