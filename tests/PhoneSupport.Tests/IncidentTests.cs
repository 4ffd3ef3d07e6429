using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>Connected calls become incidents; closing one commits its allowance once and prices the rest.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class IncidentTests(ServiceFixture fixture) : IDisposable
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose() => fixture.Clock.Set(_restore);

    private async Task<(TestAccounts.Created Account, string CallSid)> NightCallAsync(int usedIncluded, TimeSpan talk, string keys = "1")
    {
        var night = NewYork.AtStrictly(new LocalDateTime(2026, 7, 11, 23, 0)).ToInstant();
        fixture.Clock.Set(night);
        await TestTechnicians.OfflineAllAsync(fixture);
        await TestTechnicians.CreateAsync(fixture, "constellix", onCall: new Interval(night - Duration.FromHours(2), night + Duration.FromHours(8)));
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new LocalDate(2026, 1, 15));
        if (usedIncluded > 0)
            await TestAccounts.UseIncludedAsync(fixture, account.ContractId!.Value, NewYork.AtStartOfDay(new LocalDate(2026, 1, 15)).ToInstant(), usedIncluded);
        var (result, _) = await SimulatedCalls.CallAsync(fixture, "+17038803095", "+1555999" + TestAccounts.UniqueDigits(4),
            ScriptedCaller.Keys("2", account.ContractNumber + "#", keys), TechnicianScript.Accepting(talk));
        return (account, result.CallSid);
    }

    [Fact]
    public async Task IncludedIncidentOf2h40_CommitsTheAllowanceAndCharges120ForTheOverrun()
    {
        var (account, sid) = await NightCallAsync(0, TimeSpan.FromMinutes(160));

        Assert.Equal("closed", await fixture.ScalarAsync<string>("select status from incidents where call_sid = $1", sid));
        Assert.Equal(9600, await fixture.ScalarAsync<int>("select talk_seconds from incidents where call_sid = $1", sid));
        Assert.Equal("committed", await fixture.ScalarAsync<string>("select status from allowance_uses where call_sid = $1", sid));
        Assert.Equal(12000L, await fixture.ScalarAsync<long>("select amount from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", sid));
        Assert.Equal(2, await fixture.ScalarAsync<int>("select steps from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", sid));
        Assert.Equal("beyondIncluded", await fixture.ScalarAsync<string>("select kind from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", sid));
        Assert.Equal("consent", await fixture.ScalarAsync<string>("select e.kind from charges c join incidents i on i.id = c.incident_id join call_events e on e.id = c.consent_event_id where i.call_sid = $1", sid));
        Assert.Equal("the account has no Stripe customer", await fixture.ScalarAsync<string>("select status_reason from charges where account_id = $1", account.AccountId));
    }

    [Fact]
    public async Task IncidentsApi_ShowsTheCallsTalkTimeAllowanceUseAndCharges()
    {
        var (account, sid) = await NightCallAsync(0, TimeSpan.FromMinutes(130));
        await using var api = new Admin.AdminApi(fixture);

        var body = await Admin.AdminApi.ExpectAsync(await api.Admin.GetAsync($"/api/incidents?accountId={account.AccountId}"), System.Net.HttpStatusCode.OK);

        var incident = body["items"]!.AsArray().Single()!.AsObject();
        Assert.Equal(sid, (string?)incident["callSid"]);
        Assert.Equal(7800, (int)incident["talkSeconds"]!);
        Assert.Equal("weekend", (string?)incident["window"]);
        Assert.Equal("committed", (string?)incident["allowanceUse"]);
        Assert.Single(incident["calls"]!.AsArray());
        var charge = incident["charges"]!.AsArray().Single()!.AsObject();
        Assert.Equal(6000, (long)charge["amount"]!["amount"]!);
    }

    [Fact]
    public async Task ThirdNightIncidentOf40Minutes_IsCharged120()
    {
        var (_, sid) = await NightCallAsync(2, TimeSpan.FromMinutes(40));

        Assert.Equal(12000L, await fixture.ScalarAsync<long>("select amount from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", sid));
        Assert.Equal("priced", await fixture.ScalarAsync<string>("select kind from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", sid));
        Assert.Equal(0L, await fixture.ScalarAsync<long>("select count(*) from allowance_uses where call_sid = $1", sid));
    }

    [Fact]
    public async Task RepeatedCompletedCallback_ChangesNothingTwice()
    {
        var (_, sid) = await NightCallAsync(0, TimeSpan.FromMinutes(150));
        var twilio = new TwilioWebhooks(fixture.Factory.CreateClient());
        var completed = TwilioWebhooks.IncomingCall(sid);
        completed["CallStatus"] = "completed";
        completed["SequenceNumber"] = "7";

        await twilio.PostTwimlAsync("/twilio/voice/status", completed);
        await twilio.PostTwimlAsync("/twilio/voice/status", completed);

        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from incidents where call_sid = $1", sid));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", sid));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from allowance_uses where call_sid = $1 and status = 'committed'", sid));
    }

    [Fact]
    public async Task TechnicianLegStatusCallback_CountsTheLegOnce_TheDialsBridgedDurationWins_AndAReplayChangesNothing()
    {
        var (_, sid) = await NightCallAsync(0, TimeSpan.FromMinutes(150));
        // The driver sends the child leg's "completed" (whisper included) before the dial action, as Twilio may.
        var leg = await fixture.ScalarAsync<string>("select leg_sid from incident_legs where call_sid = $1", sid);
        Assert.Equal("dial", await fixture.ScalarAsync<string>("select source from incident_legs where leg_sid = $1", leg!));
        Assert.Equal(9000, await fixture.ScalarAsync<int>("select talk_seconds from incidents where call_sid = $1", sid));
        var technician = await fixture.ScalarAsync<Guid>("select technician_id from technician_events where kind = 'accepted' and data->>'callSid' = $1", sid);

        var replay = TwilioWebhooks.IncomingCall(leg!);
        replay["ParentCallSid"] = sid;
        replay["CallStatus"] = "completed";
        replay["CallDuration"] = "9030";
        var twilio = new TwilioWebhooks(fixture.Factory.CreateClient());
        await twilio.PostTwimlAsync($"/twilio/voice/status?leg=technician&call={sid}&tech={technician:N}", replay);
        await twilio.PostTwimlAsync($"/twilio/voice/status?leg=technician&call={sid}&tech={Guid.NewGuid():N}", replay);

        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from incident_legs where call_sid = $1", sid));
        Assert.Equal(9000, await fixture.ScalarAsync<int>("select talk_seconds from incidents where call_sid = $1", sid));
    }

    [Fact]
    public async Task AClosePlannedOnFactsThatChangedMeanwhile_IsPlannedAgainOnFreshFacts_AndPricesEverything()
    {
        // Closed after 2 h 40 min: 40 minutes beyond the included 2 hours, $120. A callback's leg of 30 minutes re-opens it.
        var (_, sid) = await NightCallAsync(0, TimeSpan.FromMinutes(160));
        var incident = await fixture.ScalarAsync<Guid>("select id from incidents where call_sid = $1", sid);
        await fixture.ScalarAsync<int>("""
            with l as (insert into incident_legs (leg_sid, incident_id, call_sid, seconds, source, at) values ('CAleg' || $2::text, $1, $2, 1800, 'callback', now()) returning 1),
                 o as (update incidents set status = 'open', version = version + 1 where id = $1 returning 1)
            select count(*)::int from l, o
            """, incident, sid);

        using var scope = fixture.Factory.Services.CreateScope();
        var incidents = scope.ServiceProvider.GetRequiredService<PhoneSupport.Features.Billing.IncidentService>();
        await using var connection = await scope.ServiceProvider.GetRequiredService<Npgsql.NpgsqlDataSource>().OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var stale = await PhoneSupport.Features.Billing.IncidentService.ReadCloseFactsAsync(transaction, sid, default);
        Assert.Equal((true, 11400), (stale!.Closes, stale.TalkSeconds));

        // Meanwhile another instance records 30 more minutes on the incident: the facts read are stale (planned on them, 70 minutes over: $180).
        await fixture.ScalarAsync<int>("""
            with l as (insert into incident_legs (leg_sid, incident_id, call_sid, seconds, source, at) values ('CAlate' || $2::text, $1, $2, 1800, 'callback', now()) returning 1),
                 v as (update incidents set version = version + 1 where id = $1 returning 1)
            select count(*)::int from l, v
            """, incident, sid);
        await incidents.CloseAsync(transaction, sid, stale, () => [new Npgsql.NpgsqlBatchCommand("commit")], default);

        // Planned again on fresh facts: 3 h 40 min, 100 minutes beyond the included 2 hours, 4 steps: the unposted charge re-priced to $240.
        Assert.Equal(("closed", 13200), (await fixture.ScalarAsync<string>("select status from incidents where id = $1", incident),
            await fixture.ScalarAsync<int>("select talk_seconds from incidents where id = $1", incident)));
        Assert.Equal((24000L, 4), (await fixture.ScalarAsync<long>("select amount from charges where incident_id = $1", incident),
            await fixture.ScalarAsync<int>("select steps from charges where incident_id = $1", incident)));
        Assert.Equal(1L, await fixture.ScalarAsync<long>(
            "select count(*) from charge_events e join charges c on c.id = e.charge_id where c.incident_id = $1 and e.kind = 'repriced'", incident));
    }

    [Fact]
    public async Task ALegStatusCounts_OnlyForTheTechnicianWhoAcceptedTheCall()
    {
        var (_, sid) = await NightCallAsync(0, TimeSpan.FromMinutes(160));
        var technician = await fixture.ScalarAsync<Guid>("select technician_id from technician_events where kind = 'accepted' and data->>'callSid' = $1", sid);
        var twilio = new TwilioWebhooks(fixture.Factory.CreateClient());
        Dictionary<string, string?> Leg(string legSid, int seconds)
        {
            var form = TwilioWebhooks.IncomingCall(legSid);
            (form["ParentCallSid"], form["CallStatus"], form["CallDuration"]) = (sid, "completed", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return form;
        }

        // A new leg reported for a technician who never accepted this call: nothing recorded, the incident stays as it was.
        await twilio.PostTwimlAsync($"/twilio/voice/status?leg=technician&call={sid}&tech={Guid.NewGuid():N}", Leg(TwilioWebhooks.NewCallSid(), 1800));
        Assert.Equal((1L, 9600), (await fixture.ScalarAsync<long>("select count(*) from incident_legs where call_sid = $1", sid),
            await fixture.ScalarAsync<int>("select talk_seconds from incidents where call_sid = $1", sid)));

        // The same for the technician who accepted: the leg counts, and the incident closes again priced with it.
        await twilio.PostTwimlAsync($"/twilio/voice/status?leg=technician&call={sid}&tech={technician:N}", Leg(TwilioWebhooks.NewCallSid(), 1800));
        Assert.Equal((2L, 11400, "closed"), (await fixture.ScalarAsync<long>("select count(*) from incident_legs where call_sid = $1", sid),
            await fixture.ScalarAsync<int>("select talk_seconds from incidents where call_sid = $1", sid),
            await fixture.ScalarAsync<string>("select status from incidents where call_sid = $1", sid)));
    }
}
