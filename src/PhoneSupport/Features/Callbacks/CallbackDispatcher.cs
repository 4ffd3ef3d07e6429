using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Callbacks;

/// <summary>
/// Keeps callback promises, one pass at a time: escalates what is at risk (<see cref="CallbackEscalation"/>), then leases due
/// callbacks (<see cref="CallbackLeases"/>), settles what an expired lease's holder left (<see cref="LeaseTakeover"/>) and dials
/// the technician first (<see cref="TechnicianLegDialler"/>). Also "Call back now" for one chosen callback. Any number of
/// instances may run this.
/// </summary>
public sealed class CallbackDispatcher(
    PhoneSupportDb db, CallbackLeases leases, LeaseTakeover takeover, TechnicianLegDialler dialler, CallbackEscalation escalation, IClock clock,
    ILogger<CallbackDispatcher> logger)
{
    /// <summary>This instance, as it stands in <c>lease_owner</c> (<see cref="CallbackLeases.Instance"/>).</summary>
    public static readonly string Instance = CallbackLeases.Instance;

    /// <summary>
    /// One pass: escalate what is at risk, then dial what is due. Returns the callbacks dialled. Once
    /// <paramref name="stopping"/> is signalled no further callback is leased; the one being dialled is finished.
    /// </summary>
    public async Task<int> DispatchOnceAsync(CancellationToken ct, CancellationToken stopping = default)
    {
        await escalation.EscalateAsync(ct);
        var dialled = 0;
        for (var i = 0; i < 10 && !stopping.IsCancellationRequested && await leases.LeaseNextAsync(ct) is { } id; i++)
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
            if (await leases.HeldAsync(id, ct) is not { } callback) return false; // cancelled since the lease
            var now = clock.GetCurrentInstant();
            return await takeover.TakeOverAsync(callback, now, ct) is { } fresh && await dialler.DialAsync(fresh, now, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            logger.LogInformation("Callback {Callback} changed while being dialled (cancelled or rescheduled); not dialled", id);
            db.ChangeTracker.Clear();
            return false;
        }
    }

    /// <summary>Leases the next due callback for this instance (the first half of a pass; tests lease then cancel then dial).</summary>
    internal Task<Guid?> LeaseNextAsync(CancellationToken ct) => leases.LeaseNextAsync(ct);

    /// <summary>Shutdown, after the last pass: see <see cref="CallbackLeases.ReleaseAsync"/>. Returns the leases released.</summary>
    public Task<int> ReleaseLeasesAsync(CancellationToken ct) => leases.ReleaseAsync(ct);

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
        if (await leases.LeaseChosenAsync(callbackId, now, ct) is { } refused) return refused;
        if (await leases.HeldAsync(callbackId, ct) is not { } callback) return ChosenDispatch.NotScheduled; // cancelled since the lease
        return await dialler.DialChosenAsync(callback, technicianId, now, ct);
    }

    /// <summary>The reservation key of a callback's technician leg (<see cref="TechnicianLegDialler.Key"/>).</summary>
    public static string Key(Callback callback) => TechnicianLegDialler.Key(callback);
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
