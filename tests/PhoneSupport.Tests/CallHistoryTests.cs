using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>
/// Call history (<c>GET /api/calls</c>, <c>GET /api/calls/{callSid}</c>) and incident notes (<c>POST /api/incidents/{id}/notes</c>),
/// read back from calls played through signed webhooks and the Twilio emulator.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class CallHistoryTests(ServiceFixture fixture) : IAsyncLifetime
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

    /// <summary>A Saturday-night Corporate contract call, taken by a fresh on-call technician, talking <paramref name="talk"/>.</summary>
    private async Task<(TestAccounts.Created Account, string CallSid, Guid TechnicianId)> NightCallAsync(TimeSpan talk, TestAccounts.Created? account = null, int day = 11)
    {
        var night = NewYork.AtStrictly(new LocalDateTime(2026, 7, day, 23, 0)).ToInstant();
        fixture.Clock.Set(night);
        await TestTechnicians.OfflineAllAsync(fixture);
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix", onCall: new Interval(night - Duration.FromHours(2), night + Duration.FromHours(8)));
        account ??= await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));
        var (result, _) = await SimulatedCalls.CallAsync(fixture, "+17038803095", "+1555999" + TestAccounts.UniqueDigits(4),
            ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"), TechnicianScript.Accepting(talk));
        return (account, result.CallSid, technician.Id);
    }

    [Fact]
    public async Task GetCall_ACallbackPromise_AppearsOnce_AsTheEngineSpokeIt()
    {
        var night = NewYork.AtStrictly(new LocalDateTime(2026, 7, 18, 23, 0)).ToInstant();
        fixture.Clock.Set(night);
        await TestTechnicians.OfflineAllAsync(fixture);
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));
        var (result, _) = await SimulatedCalls.CallAsync(fixture, "+17038803095", "+1555999" + TestAccounts.UniqueDigits(4),
            ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"), TechnicianScript.Accepting(TimeSpan.FromMinutes(5)));
        var callbackId = await fixture.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", result.CallSid);

        var call = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/calls/{result.CallSid}"), HttpStatusCode.OK);

        var promises = call["timeline"]!.AsArray().Select(e => e!.AsObject())
            .Where(e => (string?)e["kind"] is "callbackScheduled" or "callbackPromised").ToList();
        Assert.Equal(callbackId.ToString(), (string?)Assert.Single(promises)["data"]!["callbackId"]);
    }

    [Fact]
    public async Task GetCall_TimelineHoldsStepsKeysDecisionReservationLegIncidentAndCharge_InOrderWithInstants()
    {
        var (account, sid, technicianId) = await NightCallAsync(TimeSpan.FromMinutes(160));

        var call = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/calls/{sid}"), HttpStatusCode.OK);

        Assert.Equal(sid, (string?)call["callSid"]);
        Assert.Equal(account.AccountId.ToString(), (string?)call["accountId"]);
        Assert.Equal("completed", (string?)call["status"]);
        Assert.False(string.IsNullOrEmpty((string?)call["policyVersion"]));
        Assert.False(string.IsNullOrEmpty((string?)call["reason"]));
        var timeline = call["timeline"]!.AsArray().Select(e => e!.AsObject()).ToList();
        var kinds = timeline.Select(e => (string)e["kind"]!).ToList();
        foreach (var kind in new[] { "step", "input", "identify", "decision", "consent", "reserved", "accepted", "connected", "legBridged", "incidentOpened", "incidentClosed", "charge", "status" })
            Assert.Contains(kind, kinds);
        // Instants never go back, and what happened first comes first.
        var instants = timeline.Select(e => InstantPattern.ExtendedIso.Parse((string)e["at"]!).Value).ToList();
        Assert.Equal(instants.Order(), instants);
        Assert.True(kinds.IndexOf("decision") < kinds.IndexOf("reserved"));
        Assert.True(kinds.IndexOf("reserved") < kinds.IndexOf("accepted"));
        Assert.True(kinds.IndexOf("connected") < kinds.LastIndexOf("charge"));
        // The keys the caller pressed, the decision's reason and policy version, the technician by name.
        Assert.Contains(timeline, e => (string?)e["kind"] == "input" && (string?)e["data"]!["value"] == account.ContractNumber);
        var decision = timeline.First(e => (string?)e["kind"] == "decision")["data"]!;
        Assert.Equal((string?)call["policyVersion"], (string?)decision["policyVersion"]);
        Assert.Equal((string?)call["reason"], (string?)decision["reason"]);
        var reserved = timeline.First(e => (string?)e["kind"] == "reserved");
        Assert.Equal(technicianId.ToString(), (string?)reserved["data"]!["technicianId"]);
        Assert.StartsWith("Tech ", (string?)reserved["data"]!["technicianName"]);
        Assert.Equal("technician", (string?)reserved["source"]);
        var charge = timeline.Last(e => (string?)e["kind"] == "charge")["data"]!;
        Assert.Equal("12000", (string?)charge["amount"]);
        Assert.DoesNotContain("webhook", kinds);
    }

    [Fact]
    public async Task ListCalls_FiltersByAccountProviderAndStatus_AndPagesWithACursor()
    {
        var (account, first, _) = await NightCallAsync(TimeSpan.FromMinutes(20));
        var (_, second, _) = await NightCallAsync(TimeSpan.FromMinutes(20), account, day: 12);

        var page1 = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/calls?accountId={account.AccountId}&provider=constellix&status=completed&limit=1"), HttpStatusCode.OK);
        var item = page1["items"]!.AsArray().Single()!;
        Assert.Equal(second, (string?)item["callSid"]); // newest first
        Assert.Equal("completed", (string?)item["status"]);
        Assert.NotNull(item["incidentId"]);
        var next = (string?)page1["next"];
        Assert.False(string.IsNullOrEmpty(next));
        var page2 = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/calls?accountId={account.AccountId}&limit=1&cursor={next}"), HttpStatusCode.OK);
        Assert.Equal(first, (string?)page2["items"]!.AsArray().Single()!["callSid"]);
        Assert.Null((string?)page2["next"]);

        var active = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/calls?accountId={account.AccountId}&status=active"), HttpStatusCode.OK);
        Assert.Empty(active["items"]!.AsArray());
        var later = Uri.EscapeDataString(InstantPattern.ExtendedIso.Format(NewYork.AtStrictly(new LocalDateTime(2026, 7, 12, 0, 0)).ToInstant()));
        var fromSunday = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/calls?accountId={account.AccountId}&from={later}"), HttpStatusCode.OK);
        Assert.Equal(second, (string?)fromSunday["items"]!.AsArray().Single()!["callSid"]);
        var otherProvider = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/calls?accountId={account.AccountId}&provider=constructor"), HttpStatusCode.OK);
        Assert.Empty(otherProvider["items"]!.AsArray());
    }

    [Theory]
    [InlineData("provider=nope", "provider")]
    [InlineData("status=lost", "status")]
    [InlineData("from=yesterday", "from")]
    [InlineData("accountId=42", "accountId")]
    [InlineData("cursor=%21%21%21", "cursor")]
    [InlineData("limit=501", "limit")]
    [InlineData("from=2026-07-02T00:00:00Z&to=2026-07-01T00:00:00Z", "to")]
    public async Task ListCalls_BadFilter_AnswersProblemNamingTheField(string query, string field)
    {
        var problem = await AdminApi.ProblemAsync(await _api.Admin.GetAsync($"/api/calls?{query}"), HttpStatusCode.BadRequest);

        Assert.False(string.IsNullOrEmpty(AdminApi.Errors(problem, field)));
    }

    [Fact]
    public async Task GetCall_Unknown_Answers404Problem() =>
        await AdminApi.ProblemAsync(await _api.Admin.GetAsync($"/api/calls/CA{Guid.NewGuid():N}"), HttpStatusCode.NotFound);

    [Fact]
    public async Task Technician_ReadsOnlyTheCallsTheyWorked_FinanceReadsAll()
    {
        var (_, sid, technicianId) = await NightCallAsync(TimeSpan.FromMinutes(20));
        var (mine, _) = await _api.CreateKeyAsync("technician", technicianId.ToString());
        var (other, _) = await _api.CreateKeyAsync("technician");
        var (finance, _) = await _api.CreateKeyAsync("finance");

        await AdminApi.ExpectAsync(await _api.Client(mine).GetAsync($"/api/calls/{sid}"), HttpStatusCode.OK);
        await AdminApi.ProblemAsync(await _api.Client(other).GetAsync($"/api/calls/{sid}"), HttpStatusCode.NotFound);
        await AdminApi.ExpectAsync(await _api.Client(finance).GetAsync($"/api/calls/{sid}"), HttpStatusCode.OK);
        var myList = await AdminApi.ExpectAsync(await _api.Client(mine).GetAsync("/api/calls?limit=500"), HttpStatusCode.OK);
        Assert.Equal([sid], myList["items"]!.AsArray().Select(i => (string)i!["callSid"]!));
        var otherList = await AdminApi.ExpectAsync(await _api.Client(other).GetAsync("/api/calls"), HttpStatusCode.OK);
        Assert.Empty(otherList["items"]!.AsArray());
    }

    [Fact]
    public async Task Notes_TheTechnicianWhoWorkedTheCall_AddsANoteWithADisposition_TheIncidentAndTheTimelineShowIt()
    {
        var (_, sid, technicianId) = await NightCallAsync(TimeSpan.FromMinutes(20));
        var incidentId = await fixture.ScalarAsync<Guid>("select id from incidents where call_sid = $1", sid);
        var (key, keyBody) = await _api.CreateKeyAsync("technician", technicianId.ToString());
        var technician = _api.Client(key);

        var note = await AdminApi.ExpectAsync(await technician.PostAsJsonAsync($"/api/incidents/{incidentId}/notes",
            new { text = "Restarted the DNS zone transfer; customer confirmed.\nWatch the secondary.", disposition = "resolved" }), HttpStatusCode.Created);
        await AdminApi.ExpectAsync(await _api.Admin.PostAsJsonAsync($"/api/incidents/{incidentId}/notes", new { text = "Checked the next morning." }), HttpStatusCode.Created);

        Assert.Equal("resolved", (string?)note["disposition"]);
        Assert.Equal((string?)keyBody["name"], (string?)note["by"]);
        var incident = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/incidents/{incidentId}"), HttpStatusCode.OK);
        var notes = incident["notes"]!.AsArray();
        Assert.Equal(2, notes.Count);
        Assert.Equal("Restarted the DNS zone transfer; customer confirmed.\nWatch the secondary.", (string?)notes[0]!["text"]);
        Assert.Null((string?)notes[1]!["disposition"]);
        var call = await AdminApi.ExpectAsync(await technician.GetAsync($"/api/calls/{sid}"), HttpStatusCode.OK);
        Assert.Equal(2, call["notes"]!.AsArray().Count);
        Assert.Equal("resolved", (string?)call["timeline"]!.AsArray().First(e => (string?)e!["kind"] == "note")!["data"]!["disposition"]);
        var audit = await Desk.DeskApi.AuditAsync(_api.Admin, "incident", incidentId.ToString());
        Assert.Equal(2, audit.Count(a => (string?)a["action"] == "noteAdded"));
        Assert.Contains(audit, a => (string?)a["actor"] == (string?)keyBody["name"] && (string?)a["after"]!["disposition"] == "resolved");
    }

    [Fact]
    public async Task Notes_AnotherTechnician_Gets403_Finance403_AndBadInputIs400()
    {
        var (_, sid, _) = await NightCallAsync(TimeSpan.FromMinutes(20));
        var incidentId = await fixture.ScalarAsync<Guid>("select id from incidents where call_sid = $1", sid);
        var (other, _) = await _api.CreateKeyAsync("technician");
        var (finance, _) = await _api.CreateKeyAsync("finance");

        await AdminApi.ProblemAsync(await _api.Client(other).PostAsJsonAsync($"/api/incidents/{incidentId}/notes", new { text = "Not mine." }), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.Client(finance).PostAsJsonAsync($"/api/incidents/{incidentId}/notes", new { text = "Finance." })).StatusCode);
        var notes = $"/api/incidents/{incidentId}/notes";
        Assert.Contains("One of", AdminApi.Errors(await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync(notes, new { text = "x", disposition = "fixed" }), HttpStatusCode.BadRequest), "disposition"));
        AdminApi.Errors(await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync(notes, new { text = "  " }), HttpStatusCode.BadRequest), "text");
        AdminApi.Errors(await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync(notes, new { text = new string('a', 4001) }), HttpStatusCode.BadRequest), "text");
        AdminApi.Errors(await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync(notes, new { text = 42 }), HttpStatusCode.BadRequest), "text");
        await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync($"/api/incidents/{Guid.NewGuid()}/notes", new { text = "Lost." }), HttpStatusCode.NotFound);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("select count(*) from incident_notes where incident_id = $1", incidentId));
    }
}
