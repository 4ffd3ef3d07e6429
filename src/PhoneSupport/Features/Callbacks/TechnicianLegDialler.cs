using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Configuration;
using PhoneSupport.Data;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Routing;
using PhoneSupport.Features.Voice;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Features.Callbacks;

/// <summary>
/// Dials a leased callback technician first: reserves a technician (the callback's skill or assigned technician, or the one
/// a person chose) and asks Twilio's REST API for the technician leg, whose TwiML (<see cref="CallbackCallHandler"/>) brings
/// the customer in. A business-hours promise is dialled only inside coverage. The dial intent is saved before the create,
/// so a leg whose creator dies is found by whoever takes the lease over; an unknown create outcome is looked for at Twilio.
/// Never rings twice.
/// </summary>
public sealed class TechnicianLegDialler(
    PhoneSupportDb db, TechnicianRouter router, ITwilioRestClient twilio, CallbackLegLedger legs, PolicyCatalog policies, FlowCatalog flows,
    IOptions<CallbackOptions> options, IOptions<PhoneSupportOptions> service, IClock clock, TimeProvider time, ILogger<TechnicianLegDialler> logger)
{
    /// <summary>The reservation key of a callback's technician leg.</summary>
    public static string Key(Callback callback) => $"cb-{callback.Id:N}";

    /// <summary>A leased due callback: waits for coverage or a free technician (the lease given back), else dials. True when ringing.</summary>
    public async Task<bool> DialAsync(Callback callback, Instant now, CancellationToken ct)
    {
        var policy = policies.At(callback.Provider, callback.CreatedAt)!; // the version that made the promise (decision 018)
        if (callback.CoverageOnly && !policy.Coverage.IsCovered(now))
        {
            callback.Postpone(policy.Coverage.NextOpening(now), now, countAttempt: false);
            await db.SaveAsync(callback, "callbackWaiting", new { until = callback.NextAttemptAt.ToString() }, clock.GetCurrentInstant(), ct);
            return false;
        }
        var technician = await router.ReserveAsync(new ReservationRequest(Key(callback), callback.Provider, callback.Skill, null, !policy.Coverage.IsCovered(now), [],
            Priority: callback.Priority, Only: callback.AssignedTechnicianId), ct);
        if (technician is null)
        {
            callback.Postpone(now + Duration.FromTimeSpan(options.Value.NoTechnicianRetry), now, countAttempt: false);
            await db.SaveAsync(callback, null, null, clock.GetCurrentInstant(), ct);
            return false;
        }
        return await CreateTechnicianLegAsync(callback, technician, now, ct);
    }

    /// <summary>A chosen callback, leased for "Call back now": dialled with <paramref name="technicianId"/> only, if free.</summary>
    public async Task<ChosenDispatch> DialChosenAsync(Callback callback, Guid technicianId, Instant now, CancellationToken ct)
    {
        var policy = policies.At(callback.Provider, callback.CreatedAt)!; // the version that made the promise (decision 018)
        var previousAttempt = callback.NextAttemptAt;
        var technician = await router.ReserveAsync(
            new ReservationRequest(Key(callback), callback.Provider, null, null, !policy.Coverage.IsCovered(now), [], Only: technicianId), ct);
        if (technician is null)
        {
            callback.Postpone(previousAttempt, now, countAttempt: false);
            await db.SaveAsync(callback, null, null, clock.GetCurrentInstant(), ct);
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
            await db.SaveAsync(callback, "callbackDialIntent", new { technicianId = technician.Id, attempt = callback.Attempts }, clock.GetCurrentInstant(), ct);
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
        await db.SaveAsync(callback, "callbackRetried", new { reason = why }, clock.GetCurrentInstant(), ct);
        return false;
    }
}
