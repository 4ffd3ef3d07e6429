using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Features.Calls;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

public static class IncidentEndpoints
{
    public static RouteGroupBuilder MapIncidents(this RouteGroupBuilder api)
    {
        api.MapGet("/incidents", ([FromQuery] string? accountId, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? limit,
                IncidentsHandler handler, CancellationToken ct) => handler.ListAsync(accountId, from, to, limit, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Incidents").ProducesValidationProblem();
        api.MapGet("/incidents/{id}", (string id, IncidentsHandler handler, CancellationToken ct) => handler.GetAsync(id, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Incidents").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}

/// <summary>One bridged technician leg of an incident.</summary>
public sealed record IncidentLegResource(string LegSid, string CallSid, int Seconds, string Source, string At);

/// <summary>
/// An incident with its calls, talk time, window, allowance use and charges; <see cref="Sla"/> is the SLA record of the call
/// that opened it (plans with response targets, null otherwise); <see cref="Notes"/> in the order they were written (<c>POST /api/incidents/{id}/notes</c>).
/// </summary>
public sealed record IncidentResource(
    Guid Id, string Provider, Guid? AccountId, Guid? ContractId, string CallSid, string Decision, string Window, string PolicyVersion,
    string OpenedAt, string? ClosedAt, string Status, int TalkSeconds, IReadOnlyList<IncidentLegResource> Calls,
    string? AllowanceUse, IReadOnlyList<IncidentChargeResource> Charges, Sla.SlaResource? Sla, IReadOnlyList<IncidentNoteResource> Notes);

public sealed record IncidentChargeResource(Guid Id, string Kind, int Steps, MoneyJson Amount, string Status, string? StatusReason);

public sealed record MoneyJson(long Amount, string Currency);

/// <summary><c>GET /api/incidents?accountId=&amp;from=&amp;to=</c>: opened in [from, to), newest first.</summary>
public sealed class IncidentsHandler(PhoneSupportDb db, NodaTime.IClock clock)
{
    /// <summary><c>GET /api/incidents/{id}</c>: one incident, the same shape as in the list.</summary>
    public async Task<Results<Ok<IncidentResource>, ProblemHttpResult>> GetAsync(string idText, CancellationToken ct)
    {
        var incident = Guid.TryParse(idText, out var id) ? await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, ct) : null;
        return incident is null ? Problems.NotFound($"No incident '{idText}'.") : TypedResults.Ok((await ResourcesAsync([incident], ct))[0]);
    }

    public async Task<Results<Ok<Page<IncidentResource>>, ProblemHttpResult>> ListAsync(string? accountText, string? fromText, string? toText, string? limitText, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var account = AdminFormats.Id(accountText, "accountId", errors, required: false);
        var from = string.IsNullOrEmpty(fromText) ? null : AdminFormats.Instant(fromText, "from", errors);
        var to = string.IsNullOrEmpty(toText) ? null : AdminFormats.Instant(toText, "to", errors);
        var limit = AdminFormats.Limit(limitText, errors);
        if (errors.Any) return Problems.Validation(errors);

        var query = db.Incidents.AsNoTracking();
        if (account is { } a) query = query.Where(i => i.AccountId == a);
        if (from is { } f) query = query.Where(i => i.OpenedAt >= f);
        if (to is { } t) query = query.Where(i => i.OpenedAt < t);
        var incidents = await query.OrderByDescending(i => i.OpenedAt).Take(limit).ToListAsync(ct);
        return TypedResults.Ok(new Page<IncidentResource>(await ResourcesAsync(incidents, ct), null));
    }

    private async Task<List<IncidentResource>> ResourcesAsync(List<Billing.Incident> incidents, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var ids = incidents.Select(i => i.Id).ToList();
        var sids = incidents.Select(i => i.CallSid).ToList();
        var legs = (await db.IncidentLegs.AsNoTracking().Where(l => ids.Contains(l.IncidentId)).ToListAsync(ct)).ToLookup(l => l.IncidentId);
        var charges = (await db.Charges.AsNoTracking().Where(c => ids.Contains(c.IncidentId)).ToListAsync(ct)).ToLookup(c => c.IncidentId);
        var uses = await db.AllowanceUses.AsNoTracking().Where(u => sids.Contains(u.CallSid)).ToListAsync(ct);
        var slas = (await db.SlaRecords.AsNoTracking().Where(r => sids.Contains(r.CallSid)).ToListAsync(ct)).ToDictionary(r => r.CallSid);
        var notes = (await db.IncidentNotes.AsNoTracking().Where(n => ids.Contains(n.IncidentId)).OrderBy(n => n.CreatedAt).ThenBy(n => n.Id).ToListAsync(ct))
            .ToLookup(n => n.IncidentId);
        var items = incidents.Select(i => new IncidentResource(
            i.Id, i.Provider, i.AccountId, i.ContractId, i.CallSid, i.Decision, i.Window, i.PolicyVersion,
            AdminFormats.Format(i.OpenedAt), i.ClosedAt is { } closed ? AdminFormats.Format(closed) : null, i.Status, i.TalkSeconds,
            [.. legs[i.Id].OrderBy(l => l.At).Select(l => new IncidentLegResource(l.LegSid, l.CallSid, l.Seconds, l.Source, AdminFormats.Format(l.At)))],
            uses.Where(u => u.CallSid == i.CallSid).Select(u => u.Status.ToString().ToLowerInvariant()).OrderBy(s => s).LastOrDefault(),
            [.. charges[i.Id].Select(c => new IncidentChargeResource(c.Id, c.Kind, c.Steps, new MoneyJson(c.Amount, c.Currency), Billing.BillingStatuses.Wire(c.Status), c.StatusReason))],
            slas.TryGetValue(i.CallSid, out var sla) ? Sla.SlaResource.Of(sla, now) : null, [.. notes[i.Id].Select(Calls.CallsHandler.NoteOf)])).ToList();
        return items;
    }
}
