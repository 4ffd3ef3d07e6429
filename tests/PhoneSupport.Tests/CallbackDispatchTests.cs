using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.Features.Callbacks;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>Callback promises kept: dispatched through Twilio's REST API (the emulator), technician first, inside their window.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class CallbackDispatchTests(ServiceFixture fixture) : IDisposable
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose() => fixture.Clock.Set(_restore);

    private void At(int day, int hour, int minute = 0) =>
        fixture.Clock.Set(NewYork.AtStrictly(new LocalDateTime(2026, 7, day, hour, minute)).ToInstant());

    /// <summary>A business-hours call that finds no technician and leaves a callback on its caller ID.</summary>
    private async Task<(string CallSid, string Phone)> PromiseCallbackAsync()
    {
        await TestTechnicians.OfflineAllAsync(fixture);
        // Other tests' promises would compete for the technicians: this test's callback is the only open one.
        await fixture.ScalarAsync<int>("with c as (update callbacks set status = 'cancelled' where status in ('scheduled', 'dialing') returning 1) select count(*)::int from c");
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate");
        var driver = new CallDriver(fixture.Factory.CreateClient(), new CallDriverOptions
        {
            VoiceUrl = ServiceFixture.PublicBaseUrl + "/twilio/voice",
            AuthToken = ServiceFixture.AuthToken,
            AccountSid = ServiceFixture.AccountSid,
            From = account.Phone,
            To = "+17038803095",
            Caller = ScriptedCaller.Keys("3", "1", "1"),
        });
        var result = await driver.RunAsync();
        Assert.Contains(result.OfKind(TranscriptKind.Said), e => e.Text.Contains("A technician will call you back", StringComparison.Ordinal));
        return (result.CallSid, account.Phone);
    }

    private async Task<int> DispatchAsync()
    {
        using var scope = fixture.Factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<CallbackDispatcher>().DispatchOnceAsync(default);
    }

    private async Task<string> CallbackKeyAsync(string callSid) =>
        $"cb={await fixture.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", callSid):N}";

    private Task<string?> StatusAsync(string callSid) =>
        fixture.ScalarAsync<string>("select status from callbacks where call_sid = $1", callSid);

    [Fact]
    public async Task DueCallback_DialsTheTechnicianFirst_ThenBringsInTheCustomer()
    {
        At(8, 11);
        var (sid, phone) = await PromiseCallbackAsync();
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix");
        fixture.Twilio.Phone(technician.PhoneNumber, CalledParty.Pressing("1")).Phone(phone, CalledParty.Talking(TimeSpan.FromMinutes(9)));

        Assert.Equal(1, await DispatchAsync());
        var twilioSid = await fixture.ScalarAsync<string>("select twilio_call_sid from callbacks where call_sid = $1", sid);
        var created = fixture.Twilio.FindCall(twilioSid!)!;
        Assert.Equal(technician.PhoneNumber, created.To);
        Assert.Equal("+17038803095", created.From);
        var leg = await fixture.Twilio.RunCallAsync(twilioSid!);

        Assert.Contains(leg.Transcript, e => e.Text.Contains("Press 1 to call the customer now", StringComparison.Ordinal));
        Assert.Equal("completed", await StatusAsync(sid));
        Assert.Equal("wrapUp", await fixture.ScalarAsync<string>("select status from technicians where id = $1", technician.Id));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1 and kind = 'callbackCompleted'", sid));
    }

    [Fact]
    public async Task BusinessHoursPromise_IsNeverDialledAtNight()
    {
        At(8, 17, 50);
        var (sid, _) = await PromiseCallbackAsync();
        await TestTechnicians.CreateAsync(fixture, "constellix");
        var before = fixture.Twilio.Calls.Count;
        At(8, 22);

        await DispatchAsync();

        Assert.Equal(before, fixture.Twilio.Calls.Count);
        Assert.Equal("scheduled", await StatusAsync(sid));
        Assert.Equal(NewYork.AtStrictly(new LocalDateTime(2026, 7, 9, 9, 0)).ToInstant().ToDateTimeUtc(),
            await fixture.ScalarAsync<DateTime>("select next_attempt_at from callbacks where call_sid = $1", sid));
    }

    [Fact]
    public async Task CustomerNeverAnswers_ThreeSpacedAttempts_ThenMissed()
    {
        At(8, 11);
        var (sid, phone) = await PromiseCallbackAsync();
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix");
        fixture.Twilio.Phone(technician.PhoneNumber, CalledParty.Pressing("1")).Phone(phone, CalledParty.NotAnswering());

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await fixture.ScalarAsync<int>("update technicians set status = 'available', status_since = now() - interval '1 hour' where id = $1 returning 1", technician.Id);
            Assert.Equal(1, await DispatchAsync());
            await fixture.Twilio.RunCallAsync((await fixture.ScalarAsync<string>("select twilio_call_sid from callbacks where call_sid = $1", sid))!);
            Assert.Equal(0, await DispatchAsync()); // the next attempt waits RetryAfter
            fixture.Clock.Advance(Duration.FromMinutes(11));
        }

        Assert.Equal("missed", await StatusAsync(sid));
        Assert.Equal(3, await fixture.ScalarAsync<int>("select attempts from callbacks where call_sid = $1", sid));
    }

    [Fact]
    public async Task TwoDispatchersAtOnce_DialACallbackOnce()
    {
        At(8, 11);
        var (sid, _) = await PromiseCallbackAsync();
        await TestTechnicians.CreateAsync(fixture, "constellix");
        await TestTechnicians.CreateAsync(fixture, "constellix");
        await Task.WhenAll(DispatchAsync(), DispatchAsync(), DispatchAsync());

        var key = await CallbackKeyAsync(sid);
        Assert.Single(fixture.Twilio.Calls, c => c.Url?.Contains(key, StringComparison.Ordinal) == true);
        Assert.Equal("dialing", await StatusAsync(sid));
    }

    [Fact]
    public async Task TwilioTookTheCallButAnswered500_TheDispatcherFindsItInsteadOfDiallingAgain()
    {
        At(8, 11);
        var (sid, _) = await PromiseCallbackAsync();
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix");
        fixture.Twilio.FailAfterProcessingNext(TwilioEndpoint.CreateCall);

        await DispatchAsync();
        await DispatchAsync();

        var key = await CallbackKeyAsync(sid);
        Assert.Equal(fixture.Twilio.Calls.Single(c => c.Url?.Contains(key, StringComparison.Ordinal) == true).Sid,
            await fixture.ScalarAsync<string>("select twilio_call_sid from callbacks where call_sid = $1", sid));
    }

    [Fact]
    public async Task CallbackNearItsDueTime_IsEscalatedOnceBySms()
    {
        At(8, 11);
        var (sid, _) = await PromiseCallbackAsync();
        fixture.Clock.Advance(Duration.FromMinutes(50)); // due 12:00, lead time 15 minutes
        var messages = fixture.Twilio.Messages.Count;

        await DispatchAsync();
        await DispatchAsync();

        Assert.True(await fixture.ScalarAsync<bool>("select at_risk from callbacks where call_sid = $1", sid));
        var id = (await fixture.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", sid)).ToString()[^12..];
        var sms = Assert.Single(fixture.Twilio.Messages.Skip(messages), m => m.Body!.Contains(id, StringComparison.Ordinal));
        Assert.Equal("+17035550199", sms.To);
        Assert.Contains("not yet kept", sms.Body);
    }
}

/// <summary>An instance killed while it held a callback's lease: another instance takes the callback over.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class CallbackLeaseTests(ServiceFixture fixture) : IDisposable
{
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose() => fixture.Clock.Set(_restore);

    [Fact]
    public async Task ExpiredLeaseOfADeadInstance_IsTakenOverAndDialledAgainOnce()
    {
        fixture.Clock.Set(DateTimeZoneProviders.Tzdb["America/New_York"].AtStrictly(new LocalDateTime(2026, 7, 8, 11, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        await fixture.ScalarAsync<int>("with c as (update callbacks set status = 'cancelled' where status in ('scheduled', 'dialing') returning 1) select count(*)::int from c");
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate");
        var callSid = TwilioWebhooks.NewCallSid();
        await new TwilioWebhooks(fixture.Factory.CreateClient()).PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(callSid, from: account.Phone));
        var now = fixture.Clock.GetCurrentInstant().ToDateTimeUtc();
        // The dead instance had leased the callback and never created its technician leg; its lease ran out a minute ago.
        await fixture.ScalarAsync<int>("""
            insert into callbacks (id, provider, account_id, call_sid, phone_number, reason, priority, due_at, not_before, coverage_only, status,
                                   attempts, next_attempt_at, lease_owner, lease_until, at_risk, created_at, updated_at, version)
            values (gen_random_uuid(), 'constellix', $1, $2, $3, 'callback', 1, $4 + interval '1 hour', $4, true, 'dialing',
                    1, $4, 'dead-instance', $4 - interval '1 minute', false, $4, $4, 1)
            returning 1
            """, account.AccountId, callSid, account.Phone, now);
        await TestTechnicians.CreateAsync(fixture, "constellix");

        using (var scope = fixture.Factory.Services.CreateScope())
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<CallbackDispatcher>().DispatchOnceAsync(default));
        using (var scope = fixture.Factory.Services.CreateScope())
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<CallbackDispatcher>().DispatchOnceAsync(default));

        Assert.Equal("dialing", await fixture.ScalarAsync<string>("select status from callbacks where call_sid = $1", callSid));
        Assert.Equal(CallbackDispatcher.Instance, await fixture.ScalarAsync<string>("select lease_owner from callbacks where call_sid = $1", callSid));
        var key = $"cb={await fixture.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", callSid):N}";
        Assert.Single(fixture.Twilio.Calls, c => c.Url?.Contains(key, StringComparison.Ordinal) == true);
    }
}
