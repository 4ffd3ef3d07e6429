using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Voice;

namespace PhoneSupport.Features.Callbacks;

/// <summary>
/// The callback leases (columns <c>lease_owner</c>, <c>lease_until</c> of <c>callbacks</c>): a due callback, or one whose lease
/// ran out, is leased by one conditional <c>update … where id = (select … for update skip locked)</c> (most urgent plan first,
/// then earliest due), so any number of instances may lease at once and none gets the same callback; a chosen callback
/// ("Call back now") only while scheduled and inside its promise's window. A lease is renewed while its technician leg is
/// up and released early at shutdown.
/// </summary>
public sealed class CallbackLeases(PhoneSupportDb db, PolicyCatalog policies, IOptions<CallbackOptions> options, IClock clock, ILogger<CallbackLeases> logger)
{
    /// <summary>This instance, as it stands in <c>lease_owner</c>.</summary>
    public static readonly string Instance = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>Leases the next due callback for this instance (a scheduled attempt counts one more attempt); null when none.</summary>
    public async Task<Guid?> LeaseNextAsync(CancellationToken ct)
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

    /// <summary>
    /// Leases one chosen callback at <paramref name="now"/>: the conditional <c>scheduled → dialing</c> update, kept to the
    /// promise's window (not before <see cref="Callback.NotBefore"/>, a business-hours promise only inside coverage) but not
    /// to the retry spacing. Null when leased; otherwise why not.
    /// </summary>
    public async Task<ChosenDispatch?> LeaseChosenAsync(Guid callbackId, Instant now, CancellationToken ct)
    {
        var found = await db.Callbacks.AsNoTracking().Where(c => c.Id == callbackId).Select(c => new { c.Provider, c.Status, c.NotBefore, c.CoverageOnly, c.CreatedAt }).FirstOrDefaultAsync(ct);
        if (found is null || found.Status != CallbackStatus.Scheduled) return ChosenDispatch.NotScheduled;
        var policy = policies.At(found.Provider, found.CreatedAt)!; // the version that made the promise (decision 018)
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
        return leased.Count == 0 ? ChosenDispatch.NotScheduled : null;
    }

    /// <summary>
    /// The callback this instance leased, loaded into a fresh unit of work; null when it is no longer held (a person
    /// cancelled it since the lease).
    /// </summary>
    public async Task<Callback?> HeldAsync(Guid id, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var callback = await db.Callbacks.FirstAsync(c => c.Id == id, ct);
        return callback.Status != CallbackStatus.Dialing || callback.LeaseOwner != Instance ? null : callback;
    }

    /// <summary>Keeps the lease for another <see cref="CallbackOptions.LeaseTime"/> from <paramref name="now"/> (a technician leg is still up).</summary>
    public Task RenewAsync(Guid id, Instant now, CancellationToken ct) =>
        db.Callbacks.Where(c => c.Id == id).ExecuteUpdateAsync(c => c.SetProperty(x => x.LeaseUntil, now + Duration.FromTimeSpan(options.Value.LeaseTime)), ct);

    /// <summary>
    /// Shutdown, after the last pass: the leases this instance holds on callbacks whose technician leg is up run out
    /// now instead of in <see cref="CallbackOptions.LeaseTime"/>, so a live instance takes them over at once (it checks
    /// the leg at Twilio before anything else, so nothing is dialled twice). A lease without a recorded leg (only a
    /// pass cut by the host's shutdown timeout leaves one: the create may or may not have reached Twilio) is left to
    /// run out. Returns the leases released.
    /// </summary>
    public async Task<int> ReleaseAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var released = await db.Callbacks.Where(c => c.LeaseOwner == Instance && c.Status == CallbackStatus.Dialing && c.TwilioCallSid != null)
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.LeaseUntil, now).SetProperty(x => x.UpdatedAt, now), ct);
        if (released > 0) logger.LogInformation("Shutting down: released {Count} callback leases", released);
        return released;
    }
}

internal static class CallbackSaves
{
    /// <summary>Saves the unit of work, with a call event of <paramref name="kind"/> at <paramref name="at"/> when given.</summary>
    public static async Task SaveAsync(this PhoneSupportDb db, Callback callback, string? kind, object? data, Instant at, CancellationToken ct)
    {
        if (kind is not null) db.CallEvents.Add(new CallEventRecord(callback.CallSid, at, kind, JsonSerializer.Serialize(data)));
        await db.SaveChangesAsync(ct);
    }
}
