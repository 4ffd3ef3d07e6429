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

    /// <summary>A leg created at Twilio (the emulator) the way the dispatcher creates one, by a caller outside the dispatcher.</summary>
    private async Task<string> CreateLegAtTwilioAsync(Guid callbackId, string to)
    {
        using var scope = fixture.Factory.Services.CreateScope();
        var from = scope.ServiceProvider.GetRequiredService<PhoneSupport.Domain.Flows.FlowCatalog>().Flows.First(f => f.Provider == "constellix").Numbers[0];
        var created = await scope.ServiceProvider.GetRequiredService<PhoneSupport.Twilio.Rest.ITwilioRestClient>().CreateCallAsync(
            new PhoneSupport.Twilio.Rest.CreateCallOptions(to, from) { Url = new Uri($"{ServiceFixture.PublicBaseUrl}{CallbackCallHandler.Path}?cb={callbackId:N}") });
        return created.Sid;
    }

    private static Dictionary<string, string?> LegWebhook(string legSid, string to, string status, string? digits = null) => new()
    {
        ["CallSid"] = legSid, ["AccountSid"] = ServiceFixture.AccountSid, ["To"] = to, ["From"] = "+17038803095", ["Direction"] = "outbound-api",
        ["CallStatus"] = status, ["Digits"] = digits,
    };

    /// <summary>The state a dispatcher leaves when it dies between saving its dial intent and saving the leg Twilio created.</summary>
    private async Task<(Guid Id, string Phone)> DiedAfterIntentAsync(string callSid, Guid technicianId, string technicianPhone)
    {
        var id = await fixture.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", callSid);
        var now = fixture.Clock.GetCurrentInstant().ToDateTimeUtc();
        await fixture.ScalarAsync<int>("""
            with c as (update callbacks set status = 'dialing', attempts = attempts + 1, lease_owner = 'dead-instance', lease_until = $2 - interval '1 minute',
                              technician_id = $3, dial_started_at = $2 - interval '2 minutes', dial_to = $4, twilio_call_sid = null
                        where id = $1 returning 1)
            select count(*)::int from c
            """, id, now, technicianId, technicianPhone);
        return (id, technicianPhone);
    }

    [Fact]
    public async Task DispatcherDiedAfterTwilioCreatedTheLeg_TakeoverFindsTheLegAtTwilio_AndDoesNotRingAgain()
    {
        At(8, 11);
        var (sid, _) = await PromiseCallbackAsync();
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix");
        var (id, phone) = await DiedAfterIntentAsync(sid, technician.Id, technician.PhoneNumber);
        var leg = await CreateLegAtTwilioAsync(id, phone); // Twilio created it; the dead instance never saved its sid

        await DispatchAsync();
        await DispatchAsync();

        var key = await CallbackKeyAsync(sid);
        Assert.Equal(leg, Assert.Single(fixture.Twilio.Calls, c => c.Url?.Contains(key, StringComparison.Ordinal) == true).Sid);
        Assert.Equal(leg, await fixture.ScalarAsync<string>("select twilio_call_sid from callbacks where id = $1", id));
        Assert.Equal("lookup", await fixture.ScalarAsync<string>("select source from callback_legs where call_sid = $1", leg));
        Assert.Equal("dialing", await StatusAsync(sid));
    }

    [Fact]
    public async Task InitiatedStatusCallback_RecordsTheLegBeforeItsCreatorDoes_AndATakeoverWaitsForIt()
    {
        At(8, 11);
        var (sid, _) = await PromiseCallbackAsync();
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix");
        var (id, phone) = await DiedAfterIntentAsync(sid, technician.Id, technician.PhoneNumber);
        var leg = await CreateLegAtTwilioAsync(id, phone);
        var webhooks = new TwilioWebhooks(fixture.Factory.CreateClient());

        using (await webhooks.PostAsync($"/twilio/voice/callback/status?cb={id:N}", LegWebhook(leg, phone, "initiated"))) { }
        using (await webhooks.PostAsync($"/twilio/voice/callback/status?cb={id:N}", LegWebhook(leg, phone, "initiated"))) { } // Twilio's retry
        await DispatchAsync();

        Assert.Equal(leg, await fixture.ScalarAsync<string>("select twilio_call_sid from callbacks where id = $1", id));
        Assert.Equal("webhook", await fixture.ScalarAsync<string>("select source from callback_legs where call_sid = $1", leg));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1 and kind = 'callbackDialing'", sid));
        var key = await CallbackKeyAsync(sid);
        Assert.Single(fixture.Twilio.Calls, c => c.Url?.Contains(key, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task StrayLeg_OfALateCreate_IsHungUp_AndRefusedTheCallbackIfAnswered_SoTheCustomerIsDialledOnce()
    {
        At(8, 11);
        var (sid, customer) = await PromiseCallbackAsync();
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix");
        await DispatchAsync();
        var id = await fixture.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", sid);
        var current = await fixture.ScalarAsync<string>("select twilio_call_sid from callbacks where id = $1", id);
        var stray = await CreateLegAtTwilioAsync(id, technician.PhoneNumber); // a create Twilio carried out late
        var webhooks = new TwilioWebhooks(fixture.Factory.CreateClient());

        using (await webhooks.PostAsync($"/twilio/voice/callback/status?cb={id:N}", LegWebhook(stray, technician.PhoneNumber, "initiated"))) { }
        var offered = await webhooks.PostTwimlAsync($"/twilio/voice/callback?cb={id:N}", LegWebhook(stray, technician.PhoneNumber, "in-progress"));
        var keyed = await webhooks.PostTwimlAsync($"/twilio/voice/callback/accept?cb={id:N}", LegWebhook(stray, technician.PhoneNumber, "in-progress", "1"));
        var real = await webhooks.PostTwimlAsync($"/twilio/voice/callback/accept?cb={id:N}", LegWebhook(current!, technician.PhoneNumber, "in-progress", "1"));

        Assert.NotEqual("queued", fixture.Twilio.FindCall(stray)!.Status);
        Assert.True(await fixture.ScalarAsync<bool>("select stray from callback_legs where call_sid = $1", stray));
        Assert.Equal(CallbackCallHandler.HandledElsewhere, TwilioWebhooks.Spoken(offered));
        Assert.Empty(offered.Descendants("Gather"));
        Assert.Empty(keyed.Descendants("Dial"));
        Assert.Equal(customer, Assert.Single(real.Descendants("Number")).Value.Trim());
        Assert.Equal(current, await fixture.ScalarAsync<string>("select twilio_call_sid from callbacks where id = $1", id));
    }

    [Fact]
    public async Task LookupAfterAnUnknownOutcome_NeverAdoptsAnotherCallbacksLeg_EvenTheNewest()
    {
        At(8, 11);
        var (sid, _) = await PromiseCallbackAsync();
        var technician = await TestTechnicians.CreateAsync(fixture, "constellix");
        var (id, phone) = await DiedAfterIntentAsync(sid, technician.Id, technician.PhoneNumber);
        var ours = await CreateLegAtTwilioAsync(id, phone);
        // Another callback's leg to the same technician, newer than ours and recorded in the ledger as that callback's.
        var otherCallback = await fixture.ScalarAsync<Guid>("""
            insert into callbacks (id, provider, call_sid, phone_number, reason, priority, due_at, not_before, coverage_only, status, attempts,
                                   next_attempt_at, at_risk, created_at, updated_at, version)
            select gen_random_uuid(), provider, 'CA' || md5(random()::text), phone_number, reason, priority, due_at, not_before, coverage_only, 'completed', 1,
                   next_attempt_at, false, created_at, updated_at, 1 from callbacks where id = $1
            returning id
            """, id);
        var theirs = await CreateLegAtTwilioAsync(otherCallback, phone);
        await fixture.ScalarAsync<int>("insert into callback_legs (call_sid, callback_id, attempt, source, stray, created_at) values ($1, $2, 1, 'create', false, now()) returning 1", theirs, otherCallback);

        await DispatchAsync();

        Assert.Equal(ours, await fixture.ScalarAsync<string>("select twilio_call_sid from callbacks where id = $1", id));
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
