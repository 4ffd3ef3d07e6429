using NodaTime;
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

    private static string RoundTrips(HttpResponseMessage response) => string.Join(",", response.Headers.GetValues(DatabaseRoundTrips.RoundTripsHeader));

    private static async Task<System.Xml.Linq.XDocument> Twiml(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return System.Xml.Linq.XDocument.Parse(body);
    }

    private static string Action(System.Xml.Linq.XDocument twiml) => TwilioWebhooks.ActionOf(twiml);
}
