using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Features.Platform;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>
/// Decision 017: an IVR webhook reads the call with every fact its step needs in one round trip and saves the step, its
/// log and its effects (here: identification, decision, the technician's reservation) in one more, committed — counted by
/// the service itself (<see cref="DatabaseRoundTrips"/>). A count, not a timing.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class StepRoundTripTests(ServiceFixture fixture) : IDisposable
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose() => fixture.Clock.Set(_restore);

    [Fact]
    public async Task The_menu_and_the_contract_step_with_its_decision_and_reservation_take_one_read_and_one_write()
    {
        fixture.Clock.Set(NewYork.AtStrictly(new LocalDateTime(2026, 7, 8, 11, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix");
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));
        await using var factory = fixture.CreateFactory("Development", fixture.ConnectionString,
            new Dictionary<string, string?> { [DatabaseRoundTrips.Switch] = "true" }, fixture.Clock);
        var twilio = new TwilioWebhooks(factory.CreateClient());
        var sid = TwilioWebhooks.NewCallSid();
        var incoming = TwilioWebhooks.IncomingCall(sid, from: "+15559992777");

        using var start = await twilio.PostAsync("/twilio/voice", incoming);
        var menuAnswer = await Twiml(start);
        using var menu = await twilio.PostAsync(Action(menuAnswer), new Dictionary<string, string?>(incoming) { ["Digits"] = "2", ["CallStatus"] = "in-progress" });
        var contractQuestion = await Twiml(menu);
        using var contract = await twilio.PostAsync(Action(contractQuestion),
            new Dictionary<string, string?>(incoming) { ["Digits"] = account.ContractNumber, ["FinishedOnKey"] = "#", ["CallStatus"] = "in-progress" });
        var dial = await Twiml(contract);

        Assert.Contains("&at=contract-number", Action(contractQuestion), StringComparison.Ordinal);
        Assert.Equal(technician.PhoneNumber, dial.Descendants("Number").Single().Value.Trim());
        Assert.Equal(("1", "2", "2"), (RoundTrips(start), RoundTrips(menu), RoundTrips(contract)));
        Assert.Equal(("reserved", sid), (await fixture.ScalarAsync<string>("select status from technicians where id = $1", technician.Id),
            await fixture.ScalarAsync<string>("select reserved_call_sid from technicians where id = $1", technician.Id)));
        Assert.Equal(account.AccountId, await fixture.ScalarAsync<Guid>("select account_id from calls where call_sid = $1", sid));
    }

    [Fact]
    public async Task The_technician_legs_status_and_the_final_status_that_closes_and_prices_the_incident_take_one_read_and_one_write_each()
    {
        var night = NewYork.AtStrictly(new LocalDateTime(2026, 7, 11, 23, 0)).ToInstant();
        fixture.Clock.Set(night);
        await TestTechnicians.OfflineAllAsync(fixture);
        await TestTechnicians.CreateAsync(fixture, "constellix", onCall: new Interval(night - Duration.FromHours(2), night + Duration.FromHours(8)));
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));
        await using var factory = fixture.CreateFactory("Development", fixture.ConnectionString,
            new Dictionary<string, string?> { [DatabaseRoundTrips.Switch] = "true" }, fixture.Clock);
        var counted = new RoundTripRecorder();

        var (result, _) = await SimulatedCalls.CallAsync(fixture, "+17038803095", "+1555999" + TestAccounts.UniqueDigits(4),
            ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"), TechnicianScript.Accepting(TimeSpan.FromMinutes(160)),
            factory.CreateDefaultClient(counted));

        var statuses = counted.Seen.Where(s => s.Path.StartsWith("/twilio/voice/status", StringComparison.Ordinal)).ToList();
        var leg = Assert.Single(statuses, s => s.Path.Contains("leg=technician", StringComparison.Ordinal) && s.Status == "completed");
        var final = Assert.Single(statuses, s => !s.Path.Contains("leg=", StringComparison.Ordinal) && s.Status == "completed");
        Assert.Equal(("2", "2"), (leg.RoundTrips, final.RoundTrips));
        // What the final status wrote in its second round trip: the incident closed and priced, the allowance committed, the
        // charge with its audit entry, and the call counted in the service report.
        var sid = result.CallSid;
        Assert.Equal(("closed", 9600), (await fixture.ScalarAsync<string>("select status from incidents where call_sid = $1", sid),
            await fixture.ScalarAsync<int>("select talk_seconds from incidents where call_sid = $1", sid)));
        Assert.Equal("committed", await fixture.ScalarAsync<string>("select status from allowance_uses where call_sid = $1", sid));
        Assert.Equal((12000L, "created"), (await fixture.ScalarAsync<long>("select c.amount from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", sid),
            await fixture.ScalarAsync<string>("select e.kind from charge_events e join charges c on c.id = e.charge_id join incidents i on i.id = c.incident_id where i.call_sid = $1", sid)));
        Assert.True(await fixture.ScalarAsync<bool>("select reported_at is not null from calls where call_sid = $1", sid));
    }

    /// <summary>Every webhook the call driver sent, with its <c>CallStatus</c> and the round trips the service answered with.</summary>
    private sealed class RoundTripRecorder : DelegatingHandler
    {
        public System.Collections.Concurrent.ConcurrentQueue<(string Path, string? Status, string RoundTrips)> Seen { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var form = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            var status = System.Web.HttpUtility.ParseQueryString(form)["CallStatus"];
            var response = await base.SendAsync(request, cancellationToken);
            Seen.Enqueue((request.RequestUri!.PathAndQuery, status,
                response.Headers.TryGetValues(DatabaseRoundTrips.RoundTripsHeader, out var values) ? string.Join(",", values) : "?"));
            return response;
        }
    }

    private static string RoundTrips(HttpResponseMessage response) => string.Join(",", response.Headers.GetValues(DatabaseRoundTrips.RoundTripsHeader));

    private static async Task<System.Xml.Linq.XDocument> Twiml(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return System.Xml.Linq.XDocument.Parse(body);
    }

    private static string Action(System.Xml.Linq.XDocument twiml) => TwilioWebhooks.ActionOf(twiml);
}
