using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Billing;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Features.Billing;

/// <summary>Which charges: created in [From, To), of a status, of an account. Null means any.</summary>
public sealed record ChargeFilter(Instant? From = null, Instant? To = null, string? Status = null, Guid? AccountId = null);

/// <summary>The recorded consent a charge cites: the caller's key press on a call, or the API purchase / quote acceptance.</summary>
public sealed record ConsentView(long? EventId, string CallSid, Instant? At, string? Step, string? Key, string? Prompt, string? Price, string? Actor, string Channel);

/// <summary>A charge's Stripe side.</summary>
public sealed record StripeView(string? Customer, string? InvoiceItem, string? Invoice, string? InvoiceNumber, string? PaymentIntent, string? Charge,
    string? CreditNote, string? Refund);

/// <summary>One charge as finance reads it.</summary>
public sealed record ChargeView(
    Guid Id, Guid IncidentId, Guid? AccountId, string? AccountName, string? Provider, string CallSid, string Kind, string Origin, string Window,
    Money RatePerHour, int BilledSeconds, int Steps, Money Amount, string Status, string? StatusReason, string Description,
    ConsentView? Consent, string PolicyVersion, StripeView Stripe, string? WaivedReason, string? WaivedBy, Instant? WaivedAt,
    Instant CreatedAt, Instant UpdatedAt, Instant? PostingStartedAt);

/// <summary>One leg of talk time of the charge's incident.</summary>
public sealed record ChargeLegView(string LegSid, string CallSid, int Seconds, string Source, Instant At);

/// <summary>A line of a charge's audit trail.</summary>
public sealed record ChargeEventView(long Id, Instant At, string Kind, string? FromStatus, string? ToStatus, string Actor, string Detail);

/// <summary>A charge with its incident (calls, talk time, window, allowance use) and its audit trail.</summary>
public sealed record ChargeDetail(ChargeView Charge, Incident Incident, IReadOnlyList<string> Calls, IReadOnlyList<ChargeLegView> Legs, string? AllowanceUse,
    IReadOnlyList<ChargeEventView> Events);

/// <summary>Charges of one account in one month (in its provider's zone) and currency.</summary>
public sealed record ChargeTotal(Guid? AccountId, string? AccountName, string Provider, string Month, string Currency, int Count,
    long Billed, long Paid, long Outstanding, long Pending, long Waived, long Refunded, long Failed);

/// <summary>
/// Finance's read side of billing: lists with filters and a keyset cursor (newest first), one charge with everything
/// that explains it, totals per account and month. Used by the API, the CSV export and the console alike.
/// </summary>
public sealed class ChargeQueries(PhoneSupportDb db, PolicyCatalog policies)
{
    public async Task<(IReadOnlyList<ChargeView> Items, Guid? Next)> ListAsync(ChargeFilter filter, int limit, Guid? after, CancellationToken ct)
    {
        var query = Filtered(filter);
        if (after is { } cursor && await db.Charges.AsNoTracking().Where(c => c.Id == cursor).Select(c => new { c.CreatedAt }).FirstOrDefaultAsync(ct) is { } last)
            query = query.Where(c => c.CreatedAt < last.CreatedAt || (c.CreatedAt == last.CreatedAt && c.Id.CompareTo(cursor) < 0));
        var rows = await query.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Take(limit + 1).ToListAsync(ct);
        var views = await ViewsAsync(rows.Take(limit).ToList(), ct);
        return (views, rows.Count > limit ? views[^1].Id : null);
    }

    /// <summary>Every matching charge, oldest first, in pages (for the CSV export).</summary>
    public async IAsyncEnumerable<ChargeView> AllAsync(ChargeFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        Guid? after = null;
        while (true)
        {
            var (items, next) = await ListAsync(filter, 500, after, ct);
            foreach (var item in items) yield return item;
            if (next is null) yield break;
            after = next;
        }
    }

    public async Task<ChargeDetail?> GetAsync(Guid id, CancellationToken ct)
    {
        var charge = await db.Charges.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (charge is null) return null;
        var view = (await ViewsAsync([charge], ct))[0];
        var incident = await db.Incidents.AsNoTracking().SingleAsync(i => i.Id == charge.IncidentId, ct);
        var legs = await db.IncidentLegs.AsNoTracking().Where(l => l.IncidentId == incident.Id).OrderBy(l => l.At).ToListAsync(ct);
        var merged = await db.Incidents.AsNoTracking().Where(i => i.MergedIntoId == incident.Id).Select(i => i.CallSid).ToListAsync(ct);
        var attached = await db.IncidentCalls.AsNoTracking().Where(c => c.IncidentId == incident.Id).Select(c => c.CallSid).ToListAsync(ct);
        var use = await db.AllowanceUses.AsNoTracking().Where(u => u.CallSid == incident.CallSid).OrderByDescending(u => u.ClaimedAt).Select(u => u.Status).FirstOrDefaultAsync(ct);
        var events = await db.ChargeEvents.AsNoTracking().Where(e => e.ChargeId == id).OrderBy(e => e.Id)
            .Select(e => new ChargeEventView(e.Id, e.At, e.Kind, e.FromStatus, e.ToStatus, e.Actor, e.Detail)).ToListAsync(ct);
        return new ChargeDetail(view, incident, [incident.CallSid, .. merged, .. attached],
            [.. legs.Select(l => new ChargeLegView(l.LegSid, l.CallSid, l.Seconds, l.Source, l.At))],
            await db.AllowanceUses.AsNoTracking().AnyAsync(u => u.CallSid == incident.CallSid, ct) ? use.ToString().ToLowerInvariant() : null, events);
    }

    /// <summary>Per account, month (in the provider's zone) and currency, charges created in [from, to).</summary>
    public async Task<IReadOnlyList<ChargeTotal>> TotalsAsync(Instant? since, Instant? until, CancellationToken ct)
    {
        var rows = await (from c in Filtered(new ChargeFilter(since, until))
                          join i in db.Incidents on c.IncidentId equals i.Id
                          join a in db.Accounts on c.AccountId equals a.Id into accounts
                          from a in accounts.DefaultIfEmpty()
                          select new { c.AccountId, Name = a == null ? null : a.Name, i.Provider, c.CreatedAt, c.Currency, c.Amount, c.Status }).ToListAsync(ct);
        return [.. rows
            .GroupBy(r => (r.AccountId, r.Name, r.Provider, Month: Month(r.Provider, r.CreatedAt), r.Currency))
            .OrderBy(g => g.Key.Month).ThenBy(g => g.Key.Name).ThenBy(g => g.Key.Currency)
            .Select(g => new ChargeTotal(g.Key.AccountId, g.Key.Name, g.Key.Provider, g.Key.Month, g.Key.Currency, g.Count(),
                Billed: g.Where(r => r.Status is not (ChargeState.Waived or ChargeState.Voided or ChargeState.Refunded)).Sum(r => r.Amount),
                Paid: g.Where(r => r.Status == ChargeState.Paid).Sum(r => r.Amount),
                Outstanding: g.Where(r => r.Status is ChargeState.Posted or ChargeState.Invoiced or ChargeState.Failed).Sum(r => r.Amount),
                Pending: g.Where(r => r.Status == ChargeState.Pending).Sum(r => r.Amount),
                Waived: g.Where(r => r.Status is ChargeState.Waived or ChargeState.Voided).Sum(r => r.Amount),
                Refunded: g.Where(r => r.Status == ChargeState.Refunded).Sum(r => r.Amount),
                Failed: g.Where(r => r.Status == ChargeState.Failed).Sum(r => r.Amount)))];
    }

    private string Month(string provider, Instant at)
    {
        var local = at.InZone(policies.For(provider)?.Coverage.Zone ?? DateTimeZone.Utc).Date;
        return $"{local.Year:0000}-{local.Month:00}";
    }

    private IQueryable<Charge> Filtered(ChargeFilter filter)
    {
        var query = db.Charges.AsNoTracking();
        if (filter.From is { } f) query = query.Where(c => c.CreatedAt >= f);
        if (filter.To is { } t) query = query.Where(c => c.CreatedAt < t);
        if (filter.Status is { } s)
        {
            // Text that names no status matches no charge, as it did when the column was compared as text.
            if (!BillingStatuses.TryParseCharge(s, out var status)) return query.Where(c => false);
            query = query.Where(c => c.Status == status);
        }
        if (filter.AccountId is { } a) query = query.Where(c => c.AccountId == a);
        return query;
    }

    private async Task<List<ChargeView>> ViewsAsync(List<Charge> charges, CancellationToken ct)
    {
        var incidentIds = charges.Select(c => c.IncidentId).Distinct().ToList();
        var incidents = await db.Incidents.AsNoTracking().Where(i => incidentIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, ct);
        var accountIds = charges.Where(c => c.AccountId != null).Select(c => c.AccountId!.Value).Distinct().ToList();
        var names = await db.Accounts.AsNoTracking().Where(a => accountIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Name, ct);
        var consentIds = charges.Where(c => c.ConsentEventId != null).Select(c => c.ConsentEventId!.Value).Distinct().ToList();
        var consents = await db.CallEvents.AsNoTracking().Where(e => consentIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        return [.. charges.Select(c =>
        {
            var incident = incidents[c.IncidentId];
            ConsentView? consent = null;
            if (c.ConsentEventId is { } eventId && consents.TryGetValue(eventId, out var e))
            {
                var data = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(e.Data) ?? [];
                string? Text(string key) => data.TryGetValue(key, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString() : null;
                consent = new ConsentView(e.Id, e.CallSid, e.At, Text("step"), Text("key"), Text("prompt"), Text("price"), Text("actor"), Text("channel") ?? "phone");
            }
            return new ChargeView(c.Id, c.IncidentId, c.AccountId, c.AccountId is { } a && names.TryGetValue(a, out var n) ? n : null, incident.Provider, incident.CallSid,
                c.Kind, c.Origin, c.Window, new Money(c.RatePerHour, c.Currency), c.BilledSeconds, c.Steps, new Money(c.Amount, c.Currency), c.Status.Wire(), c.StatusReason,
                c.Description, consent, c.PolicyVersion,
                new StripeView(c.StripeCustomerId, c.StripeInvoiceItemId, c.StripeInvoiceId, c.StripeInvoiceNumber, c.StripePaymentIntentId, c.StripeChargeId, c.StripeCreditNoteId, c.StripeRefundId),
                c.WaivedReason, c.WaivedBy, c.WaivedAt, c.CreatedAt, c.UpdatedAt, c.PostingStartedAt);
        })];
    }
}
