using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Features.CallCore;

/// <summary>
/// Stores callback promises. Idempotent per originating call (a unique index), so a repeated webhook never
/// makes a second promise. A promise made for business hours gets <c>not_before</c> = the next opening: it
/// never rings a customer at night.
/// </summary>
public sealed class CallbackScheduler(PhoneSupportDb db, PolicyCatalog policies, IClock clock)
{
    public async Task<ScheduledCallback> ScheduleAsync(CallbackRequest request, CancellationToken ct)
    {
        var policy = policies.For(request.Provider) ?? throw new InvalidOperationException($"No policy for {request.Provider}.");
        var existing = await db.Callbacks.AsNoTracking().FirstOrDefaultAsync(c => c.CallSid == request.CallSid && c.Status != CallbackStatus.Cancelled, ct);
        if (existing is not null) return new ScheduledCallback(existing.Id, existing.DueAt, existing.NotBefore, policy.Coverage.Zone);

        var now = clock.GetCurrentInstant();
        var coverageOnly = request.CoverageOnly ?? true;
        var (notBefore, due) = CallbackPromise.Times(policy, now, request.DueAt, coverageOnly);
        var callback = new Callback(Guid.CreateVersion7(), request.Provider, request.AccountId, request.CallSid, request.PhoneNumber,
            request.Reason, request.Priority, due, notBefore, coverageOnly, now) { Skill = request.Skill };
        db.Callbacks.Add(callback);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            var winner = await db.Callbacks.AsNoTracking().FirstAsync(c => c.CallSid == request.CallSid && c.Status != CallbackStatus.Cancelled, ct);
            return new ScheduledCallback(winner.Id, winner.DueAt, winner.NotBefore, policy.Coverage.Zone);
        }
        return new ScheduledCallback(callback.Id, due, notBefore, policy.Coverage.Zone);
    }
}

/// <summary>A callback to promise for a contact: due as decided (null: the provider's promise from now), waiting for business hours unless <paramref name="CoverageOnly"/> is false.</summary>
public sealed record CallbackRequest(string CallSid, string Provider, Guid? AccountId, string PhoneNumber, Instant? DueAt, bool? CoverageOnly, int Priority, string Reason,
    string? Skill = null);

/// <summary>A stored callback promise.</summary>
public sealed record ScheduledCallback(Guid Id, Instant DueAt, Instant NotBefore, DateTimeZone Zone);
