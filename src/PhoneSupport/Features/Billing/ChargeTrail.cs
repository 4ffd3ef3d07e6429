using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// What the outbox does to charges besides talking to Stripe: moves them forward with a <c>status</c> line in
/// <c>charge_events</c>, adds audit lines, and explains why a job could not bill them. Changes are tracked; the caller saves.
/// </summary>
public sealed class ChargeTrail(PhoneSupportDb db, IClock clock)
{
    /// <summary>Moves <paramref name="charge"/> forward to <paramref name="status"/> with its event; false when it is not forward.</summary>
    public bool Move(Charge charge, ChargeState status, string? reason, string actor, object detail)
    {
        var from = charge.Status;
        if (!charge.MoveTo(status, reason, clock.GetCurrentInstant())) return false;
        db.ChargeEvents.Add(new ChargeEvent(charge.Id, clock.GetCurrentInstant(), "status", from.Wire(), status.Wire(), actor, JsonSerializer.Serialize(detail)));
        return true;
    }

    public void Audit(Charge charge, string kind, string actor, object detail) =>
        db.ChargeEvents.Add(new ChargeEvent(charge.Id, clock.GetCurrentInstant(), kind, charge.Status.Wire(), charge.Status.Wire(), actor, JsonSerializer.Serialize(detail)));

    /// <summary>Notes on every charge of <paramref name="job"/> why it is stuck (an <c>error</c> line each), and saves.</summary>
    public async Task ExplainAsync(BillingJob job, string reason, CancellationToken ct)
    {
        foreach (var charge in await db.Charges.Where(c => job.ChargeIds.Contains(c.Id)).ToListAsync(ct))
        {
            charge.Explain(reason, clock.GetCurrentInstant());
            Audit(charge, "error", "service", new { job = job.Id, reason });
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Stripe refused the job: what its attempt left unsaved is dropped, then its charges are explained.</summary>
    public async Task ExplainRefusalAsync(BillingJob job, string reason, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        await ExplainAsync(job, reason, ct);
    }
}
