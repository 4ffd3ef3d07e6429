using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Configuration;
using PhoneSupport.Data;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Routing;
using PhoneSupport.Features.Voice;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Features.Callbacks;

/// <summary>
/// Keeps callback promises: leases due callbacks (most urgent plan first, then earliest due) with
/// <c>FOR UPDATE SKIP LOCKED</c>, dials the technician first through Twilio's REST API, and lets the TwiML of
/// <see cref="CallbackCallHandler"/> bring the customer in. Dialled only inside the promise's window.
/// Escalates callbacks at risk by SMS. Any number of instances may run this; a lease that runs out (a killed
/// instance) is taken over after checking at Twilio whether the technician leg is still up.
/// </summary>
public sealed class CallbackDispatcher(
    PhoneSupportDb db, TechnicianRouter router, ITwilioRestClient twilio, CallbackLegLedger legs, PolicyCatalog policies, FlowCatalog flows,
    IOptions<CallbackOptions> options, IOptions<PhoneSupportOptions> service, IClock clock, TimeProvider time, ILogger<CallbackDispatcher> logger)
{
    public static readonly string Instance = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>
    /// One pass: escalate what is at risk, then dial what is due. Returns the callbacks dialled. Once
    /// <paramref name="stopping"/> is signalled no further callback is leased; the one being dialled is finished.
    /// </summary>
    public async Task<int> DispatchOnceAsync(CancellationToken ct, CancellationToken stopping = default)
    {
        await EscalateAsync(ct);
        var dialled = 0;
        for (var i = 0; i < 10 && !stopping.IsCancellationRequested && await LeaseAsync(ct) is { } id; i++)
            if (await DialLeasedAsync(id, ct)) dialled++;
        return dialled;
    }

    /// <summary>
    /// Dials one callback this instance has leased. A person may cancel it between the lease and the dial: the cancel
    /// bumps its version, so the dial intent (saved under the version it was loaded with, before anything is asked of
    /// Twilio) fails and nothing is dialled.
    /// </summary>
    internal async Task<bool> DialLeasedAsync(Guid id, CancellationToken ct)
    {
        try
        {
            return await DialAsync(id, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            logger.LogInformation("Callback {Callback} changed while being dialled (cancelled or rescheduled); not dialled", id);
            db.ChangeTracker.Clear();
            return false;
        }
    }

    /// <summary>Leases the next due callback for this instance (the first half of a pass; tests lease then cancel then dial).</summary>
    internal Task<Guid?> LeaseNextAsync(CancellationToken ct) => LeaseAsync(ct);

    /// <summary>
    /// Shutdown, after the last pass: the leases this instance holds on callbacks whose technician leg is up run out
    /// now instead of in <see cref="CallbackOptions.LeaseTime"/>, so a live instance takes them over at once (it checks
    /// the leg at Twilio before anything else, so nothing is dialled twice). A lease without a recorded leg (only a
    /// pass cut by the host's shutdown timeout leaves one: the create may or may not have reached Twilio) is left to
    /// run out. Returns the leases released.
    /// </summary>
    public async Task<int> ReleaseLeasesAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var released = await db.Callbacks.Where(c => c.LeaseOwner == Instance && c.Status == CallbackStatus.Dialing && c.TwilioCallSid != null)
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.LeaseUntil, now).SetProperty(x => x.UpdatedAt, now), ct);
        if (released > 0) logger.LogInformation("Shutting down: released {Count} callback leases", released);
        return released;
    }

    private async Task<Guid?> LeaseAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        var until = (clock.GetCurrentInstant() + Duration.FromTimeSpan(options.Value.LeaseTime)).ToDateTimeUtc();
        var leased = await db.Database.SqlQuery<Guid>($"""
            update callbacks c set status = 'dialing', lease_owner = {Instance}, lease_until = {until},
                   attempts = c.attempts + case when c.status = 'scheduled' then 1 else 0 end, updated_at = {now}, version = c.version + 1
             where c.id = (select id from callbacks
                            where (status = 'scheduled' and next_attempt_at <= {now} and not_before <= {now})
                               or (status = 'dialing' and lease_until < {now})
                            order by priority, due_at
                            limit 1
                            for update skip locked)
            returning c.id as "Value"
            """).ToListAsync(ct);
        return leased.Count == 0 ? null : leased[0];
    }

    private async Task<bool> DialAsync(Guid id, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var callback = await db.Callbacks.FirstAsync(c => c.Id == id, ct);
        if (callback.Status != CallbackStatus.Dialing || callback.LeaseOwner != Instance) return false; // cancelled since the lease
        var now = clock.GetCurrentInstant();
        var policy = policies.For(callback.Provider)!;

        // Taken over from an instance whose lease ran out. It saved its intent before asking Twilio for the technician leg;
        // the leg is known by its sid if the create's answer or the leg's first status callback was recorded, else it is
        // looked for at Twilio. A leg still up is waited for; nothing is dialled while one may be ringing.
        if (callback.TwilioCallSid is null && callback.DialStartedAt is not null
            && await legs.FindAtTwilioAsync(callback, ct) is { } found
            && await legs.RecordAsync(id, found.Sid, callback.DialTo, "lookup", ct) is LegStanding.Current)
        {
            db.ChangeTracker.Clear();
            callback = await db.Callbacks.FirstAsync(c => c.Id == id, ct);
        }
        if (callback.TwilioCallSid is { } previous)
        {
            var leg = await twilio.FetchCallAsync(previous, ct);
            if (leg is not null && !CallStatus.IsTerminal(leg.Status))
            {
                await db.Callbacks.Where(c => c.Id == id).ExecuteUpdateAsync(c => c.SetProperty(x => x.LeaseUntil, now + Duration.FromTimeSpan(options.Value.LeaseTime)), ct);
                return false;
            }
            if (callback.TechnicianId is { } held) await router.ReleaseAsync(held, Key(callback), "leaseTakenOver", ct);
            callback.AttemptFailed(now, now, options.Value.MaxAttempts + 1);
            await SaveAsync(callback, "callbackRetried", new { reason = "lease expired" }, ct);
            return false;
        }
        if (callback.DialStartedAt is not null)
        {
            // The intent was saved but Twilio has no leg for it: the create never happened. Try again (same technician or not).
            if (callback.TechnicianId is { } held) await router.ReleaseAsync(held, Key(callback), "leaseTakenOver", ct);
            callback.Postpone(now, now, countAttempt: false);
            await SaveAsync(callback, "callbackRetried", new { reason = "lease expired; no technician leg at Twilio" }, ct);
            return false;
        }
        if (callback.CoverageOnly && !policy.Coverage.IsCovered(now))
        {
            callback.Postpone(policy.Coverage.NextOpening(now), now, countAttempt: false);
            await SaveAsync(callback, "callbackWaiting", new { until = callback.NextAttemptAt.ToString() }, ct);
            return false;
        }
        var technician = await router.ReserveAsync(new ReservationRequest(Key(callback), callback.Provider, callback.Skill, null, !policy.Coverage.IsCovered(now), [],
            Priority: callback.Priority, Only: callback.AssignedTechnicianId), ct);
        if (technician is null)
        {
            callback.Postpone(now + Duration.FromTimeSpan(options.Value.NoTechnicianRetry), now, countAttempt: false);
            await SaveAsync(callback, null, null, ct);
            return false;
        }
        return await CreateTechnicianLegAsync(callback, technician, now, ct);
    }

    /// <summary>
    /// "Call back now": one chosen scheduled callback, dialled at once with one chosen technician, through the same lease
    /// and the same technician-first dialling as <see cref="DispatchOnceAsync"/>. The lease is the conditional
    /// <c>scheduled → dialing</c> update under <c>FOR UPDATE SKIP LOCKED</c>, so a callback the dispatcher (or another click)
    /// holds is never dialled twice. The promise's window is kept: not before <see cref="Callback.NotBefore"/>, and a
    /// business-hours promise only inside coverage. The retry spacing is not: a person decided to call now.
    /// </summary>
    public async Task<ChosenDispatch> DispatchChosenAsync(Guid callbackId, Guid technicianId, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var found = await db.Callbacks.AsNoTracking().Where(c => c.Id == callbackId).Select(c => new { c.Provider, c.Status, c.NotBefore, c.CoverageOnly }).FirstOrDefaultAsync(ct);
        if (found is null || found.Status != CallbackStatus.Scheduled) return ChosenDispatch.NotScheduled;
        var policy = policies.For(found.Provider)!;
        if (found.NotBefore > now || found.CoverageOnly && !policy.Coverage.IsCovered(now)) return ChosenDispatch.OutsideWindow;

        var at = now.ToDateTimeUtc();
        var until = (now + Duration.FromTimeSpan(options.Value.LeaseTime)).ToDateTimeUtc();
        var leased = await db.Database.SqlQuery<Guid>($"""
            update callbacks c set status = 'dialing', lease_owner = {Instance}, lease_until = {until},
                   attempts = c.attempts + 1, updated_at = {at}, version = c.version + 1
             where c.id = (select id from callbacks
                            where id = {callbackId} and status = 'scheduled' and not_before <= {at}
                            for update skip locked)
            returning c.id as "Value"
            """).ToListAsync(ct);
        if (leased.Count == 0) return ChosenDispatch.NotScheduled;

        db.ChangeTracker.Clear();
        var callback = await db.Callbacks.FirstAsync(c => c.Id == callbackId, ct);
        if (callback.Status != CallbackStatus.Dialing || callback.LeaseOwner != Instance) return ChosenDispatch.NotScheduled; // cancelled since the lease
        var previousAttempt = callback.NextAttemptAt;
        var technician = await router.ReserveAsync(
            new ReservationRequest(Key(callback), callback.Provider, null, null, !policy.Coverage.IsCovered(now), [], Only: technicianId), ct);
        if (technician is null)
        {
            callback.Postpone(previousAttempt, now, countAttempt: false);
            await SaveAsync(callback, null, null, ct);
            return ChosenDispatch.TechnicianNotAvailable;
        }
        db.CallEvents.Add(new CallEventRecord(callback.CallSid, now, "callbackChosen", JsonSerializer.Serialize(new { technicianId })));
        return await CreateTechnicianLegAsync(callback, technician, now, ct) ? ChosenDispatch.Dialling : ChosenDispatch.DialFailed;
    }

    /// <summary>Creates the technician leg at Twilio for a leased callback and its reserved technician; never rings twice.</summary>
    private async Task<bool> CreateTechnicianLegAsync(Callback callback, ReservedTechnician technician, Instant now, CancellationToken ct)
    {
        var id = callback.Id;
        var from = flows.Flows.First(f => f.Provider == callback.Provider).Numbers[0];
        var request = new CreateCallOptions(technician.PhoneNumber, from)
        {
            Url = new Uri($"{service.Value.BaseUrl}{CallbackCallHandler.Path}?cb={id:N}"),
            Method = HttpMethod.Post,
            StatusCallback = new Uri($"{service.Value.BaseUrl}{CallbackCallHandler.Path}/status?cb={id:N}"),
            StatusCallbackMethod = HttpMethod.Post,
            // "initiated" tells us the leg's sid the moment Twilio starts it, even if this instance dies before saving it.
            StatusCallbackEvent = [CallStatusEvent.Initiated, CallStatusEvent.Completed],
            Timeout = 30,
        };
        // The intent first, committed: from here on a leg may exist, and whoever takes the lease over looks for it.
        callback.DialIntended(technician.Id, technician.PhoneNumber, now);
        try
        {
            await SaveAsync(callback, "callbackDialIntent", new { technicianId = technician.Id, attempt = callback.Attempts }, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Cancelled (or changed) by a person since it was leased: the intent is not saved, nothing is asked of Twilio.
            db.ChangeTracker.Clear();
            await router.ReleaseAsync(technician.Id, Key(callback), "callbackCancelled", ct);
            logger.LogInformation("Callback {Callback} was cancelled after its lease; not dialled", id);
            return false;
        }
        try
        {
            var created = await twilio.CreateCallAsync(request, ct);
            if (await RecordCreatedAsync(id, created.Sid, technician.PhoneNumber, ct) is LegStanding.Current) return true;
            await legs.HangUpAsync(created.Sid, ct); // another leg of this attempt won (cannot happen with one create per intent)
            return false;
        }
        catch (TwilioCreateOutcomeUnknownException unknown)
        {
            // A 5xx or a timeout: Twilio may have taken it. Its status callback may have told us already; else look, by
            // number and time, excluding every leg the ledger gives another callback. Never ring twice.
            logger.LogWarning("Creating the technician leg of callback {Callback}: outcome unknown ({Reason}); looking at Twilio", id, unknown.Reason);
            db.ChangeTracker.Clear();
            callback = await db.Callbacks.FirstAsync(c => c.Id == id, ct);
            if (callback.TwilioCallSid is not null) return true;
            if (await legs.FindAtTwilioAsync(callback, ct) is { } found
                && await legs.RecordAsync(id, found.Sid, technician.PhoneNumber, "lookup", ct) is LegStanding.Current)
                return true;
            db.ChangeTracker.Clear();
            callback = await db.Callbacks.FirstAsync(c => c.Id == id, ct);
            if (callback.TwilioCallSid is not null) return true; // its status callback came meanwhile
            return await GiveBackAsync(callback, technician.Id, now, "outcome unknown, not created", ct);
        }
        catch (Exception e) when (e is TwilioApiException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Creating the technician leg of callback {Callback} failed", id);
            return await GiveBackAsync(callback, technician.Id, now, e.GetType().Name, ct);
        }
    }

    /// <summary>
    /// Records the leg Twilio just created. This instance holds the sid and the lease: if the database is unreachable it
    /// keeps trying for about half a minute (a restart, a failover) rather than leave the leg to be found at Twilio when the
    /// lease runs out (<see cref="CallbackOptions.LeaseTime"/>). The leg's own status callback may record it first.
    /// </summary>
    private async Task<LegStanding> RecordCreatedAsync(Guid id, string legSid, string to, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await legs.RecordAsync(id, legSid, to, "create", ct);
            }
            catch (Exception e) when (attempt < 6 && !ct.IsCancellationRequested && e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Recording technician leg {LegSid} of callback {Callback} failed (attempt {Attempt}); trying again", legSid, id, attempt);
                db.ChangeTracker.Clear();
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(15, 1 << attempt)), time, ct);
            }
        }
    }

    private async Task<bool> GiveBackAsync(Callback callback, Guid technician, Instant now, string why, CancellationToken ct)
    {
        await router.ReleaseAsync(technician, Key(callback), "dialFailed", ct);
        callback.Postpone(now + Duration.FromTimeSpan(options.Value.NoTechnicianRetry), now, countAttempt: false);
        await SaveAsync(callback, "callbackRetried", new { reason = why }, ct);
        return false;
    }

    /// <summary>Open callbacks within the lead time of their due instant: flagged once (a conditional update) and texted.</summary>
    private async Task EscalateAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var threshold = now + Duration.FromTimeSpan(options.Value.EscalationLeadTime);
        var atRisk = await db.Callbacks.Where(c => !c.AtRisk && (c.Status == CallbackStatus.Scheduled || c.Status == CallbackStatus.Dialing) && c.DueAt <= threshold)
            .OrderBy(c => c.DueAt).Take(20).ToListAsync(ct);
        // A callback whose SLA record runs on the coverage clock has only coverage hours left: due Friday 10:00, it is at risk at
        // Thursday 19:50 with a 15-minute lead time (10 minutes before closing and the first hours of Friday count), not at 09:45.
        foreach (var policy in policies.Policies)
        {
            var coverageThreshold = new SlaClock(ClockKind.Coverage, policy.Coverage, Duration.FromHours(24))
                .DueAt(now, ResponseTarget.Of(Duration.FromTimeSpan(options.Value.EscalationLeadTime)));
            if (coverageThreshold <= threshold) continue; // inside coverage, the lead time before closing: both clocks agree
            atRisk.AddRange(await db.Callbacks.Where(c => c.Provider == policy.Provider && !c.AtRisk
                    && (c.Status == CallbackStatus.Scheduled || c.Status == CallbackStatus.Dialing) && c.DueAt > threshold && c.DueAt <= coverageThreshold
                    && db.SlaRecords.Any(r => r.CallSid == c.CallSid && r.Clock == "coverage"))
                .OrderBy(c => c.DueAt).Take(20).ToListAsync(ct));
        }
        foreach (var callback in atRisk)
        {
            var flagged = await db.Callbacks.Where(c => c.Id == callback.Id && !c.AtRisk)
                .ExecuteUpdateAsync(c => c.SetProperty(x => x.AtRisk, true).SetProperty(x => x.EscalatedAt, now), ct);
            if (flagged == 0) continue;
            db.CallEvents.Add(new CallEventRecord(callback.CallSid, now, "callbackEscalated", JsonSerializer.Serialize(new { callbackId = callback.Id, dueAt = callback.DueAt.ToString() })));
            await db.SaveChangesAsync(ct);
            if (options.Value.EscalationPhoneNumber is not { Length: > 0 } to) continue;
            var from = flows.Flows.First(f => f.Provider == callback.Provider).Numbers[0];
            try
            {
                await twilio.CreateMessageAsync(new CreateMessageOptions(to)
                {
                    From = from,
                    Body = $"PhoneSupport: callback {callback.Id.ToString()[^12..]} ({callback.Provider}, {callback.Reason}) is due {callback.DueAt} UTC and not yet kept.",
                }, ct);
            }
            catch (Exception e) when (e is TwilioApiException or TwilioCreateOutcomeUnknownException or HttpRequestException)
            {
                logger.LogWarning(e, "The escalation SMS for callback {Callback} failed; it stays flagged at risk", callback.Id);
            }
        }
    }

    private async Task SaveAsync(Callback callback, string? kind, object? data, CancellationToken ct)
    {
        if (kind is not null) db.CallEvents.Add(new CallEventRecord(callback.CallSid, clock.GetCurrentInstant(), kind, JsonSerializer.Serialize(data)));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The reservation key of a callback's technician leg.</summary>
    public static string Key(Callback callback) => $"cb-{callback.Id:N}";
}

/// <summary>Runs <see cref="CallbackDispatcher.DispatchOnceAsync"/> every <see cref="CallbackOptions.PollInterval"/>.</summary>
public sealed class CallbackDispatcherService(IServiceScopeFactory scopes, IOptions<CallbackOptions> options, TimeProvider time, ILogger<CallbackDispatcherService> logger)
    : Platform.PollingService<CallbackDispatcher>(scopes, time, logger)
{
    protected override bool Enabled => options.Value.DispatcherEnabled;

    protected override TimeSpan Interval => options.Value.PollInterval;

    protected override Task PassAsync(CallbackDispatcher worker, CancellationToken ct) => worker.DispatchOnceAsync(ct, Stopping);

    protected override Task ReleaseAsync(CallbackDispatcher worker, CancellationToken ct) => worker.ReleaseLeasesAsync(ct);
}

/// <summary>What <see cref="CallbackDispatcher.DispatchChosenAsync"/> came to.</summary>
public enum ChosenDispatch
{
    /// <summary>The technician's phone is ringing; the customer is dialled when they press 1.</summary>
    Dialling,

    /// <summary>Not waiting any more: being dialled already (by the dispatcher or another click), kept, missed or cancelled.</summary>
    NotScheduled,

    /// <summary>The promise's window is not open (before its not-before time, or a business-hours promise outside coverage).</summary>
    OutsideWindow,

    /// <summary>The chosen technician is not free (on a call, in wrap-up, offline, or off the rota outside business hours).</summary>
    TechnicianNotAvailable,

    /// <summary>Twilio refused the call; the callback waits for the next try.</summary>
    DialFailed,
}
