using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Billing;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Callbacks;
using PhoneSupport.Features.Entitlements;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// Turns connected calls into incidents: a bridged technician leg opens the incident of its call (or adds to
/// it; a leg's Twilio sid counts once, so repeated callbacks change nothing); when the call has ended and no
/// callback is pending, the incident closes, its claimed allowance is committed (exactly once: a
/// conditional update) and its billable parts become pending charges, re-priced if talk time is added later.
/// </summary>
public sealed class IncidentService(PhoneSupportDb db, AllowanceLedger ledger, PolicyCatalog policies, IClock clock)
{
    public async Task RecordLegAsync(string callSid, string legSid, int seconds, string source, CancellationToken ct)
    {
        if (await db.IncidentLegs.AnyAsync(l => l.LegSid == legSid, ct)) return;
        var now = clock.GetCurrentInstant();
        var incident = await db.Incidents.FirstOrDefaultAsync(i => i.CallSid == callSid, ct) ?? await OpenAsync(callSid, now - Duration.FromSeconds(seconds), ct);
        if (incident is null) return;
        if (incident.Status == "closed") incident.Reopen();
        db.IncidentLegs.Add(new IncidentLeg(legSid, incident.Id, callSid, seconds, source, now));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear(); // the same leg, or the same incident, recorded by a parallel request
        }
    }

    public async Task CloseIfDoneAsync(string callSid, CancellationToken ct)
    {
        var incident = await db.Incidents.FirstOrDefaultAsync(i => i.CallSid == callSid && i.Status == "open", ct);
        if (incident is null) return;
        if (await db.Callbacks.AnyAsync(c => c.CallSid == callSid && (c.Status == CallbackStatus.Scheduled || c.Status == CallbackStatus.Dialing), ct)) return;
        var call = await db.Calls.AsNoTracking().FirstAsync(c => c.CallSid == callSid, ct);
        if (call.EndedAt is null) return;

        var now = clock.GetCurrentInstant();
        var talk = await db.IncidentLegs.Where(l => l.IncidentId == incident.Id).SumAsync(l => l.Seconds, ct);
        incident.Close(talk, now);
        await ledger.CommitForCallAsync(callSid, incident.Id, now, ct);

        var facts = JsonSerializer.Deserialize<Dictionary<string, string>>(call.Entitlement ?? "{}")!;
        var policy = policies.For(incident.Provider);
        var rate = facts.TryGetValue("ratePerHour", out var r) && long.TryParse(r, out var amount) ? new Money(amount, facts.GetValueOrDefault("currency") ?? policy?.Currency ?? "usd") : (Money?)null;
        var included = facts.TryGetValue("includedTalkMinutes", out var m) && int.TryParse(m, out var minutes) ? Duration.FromMinutes(minutes) : (Duration?)null;
        IReadOnlyList<BillablePart> parts = [];
        if (policy is not null && Enum.TryParse<Decision>(incident.Decision, true, out var decision)
            && Domain.Policies.Windows.TryParse(incident.Window, out var window))
            parts = IncidentBilling.Price(policy.Billing, decision, window, rate, included, Duration.FromSeconds(talk));

        // Re-pricing replaces what has not left the building yet.
        await db.Charges.Where(c => c.IncidentId == incident.Id && c.Status == "pending").ExecuteDeleteAsync(ct);
        if (parts.Count > 0)
        {
            var consent = await db.CallEvents.Where(e => e.CallSid == callSid && e.Kind == "consent").OrderByDescending(e => e.Id).Select(e => (long?)e.Id).FirstOrDefaultAsync(ct);
            var customer = incident.AccountId is { } account ? await db.Accounts.Where(a => a.Id == account).Select(a => a.StripeCustomerId).FirstOrDefaultAsync(ct) : null;
            foreach (var part in parts)
                db.Charges.Add(new Charge(Guid.CreateVersion7(), incident.Id, incident.AccountId, part.Kind, part.Window.Name(), part.RatePerHour.Amount,
                    part.RatePerHour.Currency, (int)part.Billed.TotalSeconds, part.Steps, part.Amount.Amount, consent, incident.PolicyVersion,
                    customer is null ? "the account has no Stripe customer" : null, now));
        }
        await db.SaveChangesAsync(ct);
    }

    private async Task<Incident?> OpenAsync(string callSid, Instant openedAt, CancellationToken ct)
    {
        var call = await db.Calls.AsNoTracking().FirstOrDefaultAsync(c => c.CallSid == callSid, ct);
        if (call is null) return null;
        var facts = JsonSerializer.Deserialize<Dictionary<string, string>>(call.Entitlement ?? "{}")!;
        var vars = call.ToSession().Vars;
        var incident = new Incident(Guid.CreateVersion7(), call.Provider, call.AccountId,
            Guid.TryParse(vars.GetValueOrDefault("contractId"), out var contract) ? contract : null, callSid,
            facts.GetValueOrDefault("decision") ?? "liveRoute", facts.GetValueOrDefault("window") ?? "business",
            facts.GetValueOrDefault("policyVersion") ?? "", openedAt);
        db.Incidents.Add(incident);
        return incident;
    }
}
