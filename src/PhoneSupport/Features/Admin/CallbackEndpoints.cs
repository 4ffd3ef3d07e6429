using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using System.Text.Json;
using NodaTime;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Audit;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

public static class CallbackEndpoints
{
    public static RouteGroupBuilder MapCallbacks(this RouteGroupBuilder api)
    {
        api.MapGet("/callbacks", ([FromQuery] string? status, [FromQuery] string? limit, [FromQuery] string? cursor, CallbacksHandler handler, CancellationToken ct) =>
                handler.ListAsync(status, limit, cursor, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Callbacks").ProducesValidationProblem();
        api.MapGet("/callbacks/{id}", (string id, CallbacksHandler handler, CancellationToken ct) => handler.GetAsync(id, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Callbacks").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/callbacks/{id}/cancel", (string id, HttpRequest request, CallbackControl control, CancellationToken ct) =>
                AdminJson.WithBodyAsync<CancelCallbackRequest, Ok<CallbackResource>>(request, body => control.CancelAsync(id, body, ct), ct))
            .JsonBody<CancelCallbackRequest>().RequireAuthorization(TechnicianPolicies.Availability).WithTags("Callbacks")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/callbacks/{id}/reschedule", (string id, HttpRequest request, CallbackControl control, CancellationToken ct) =>
                AdminJson.WithBodyAsync<RescheduleCallbackRequest, Ok<CallbackResource>>(request, body => control.RescheduleAsync(id, body, ct), ct))
            .JsonBody<RescheduleCallbackRequest>().RequireAuthorization(TechnicianPolicies.Availability).WithTags("Callbacks")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/callbacks/{id}/assign", (string id, HttpRequest request, CallbackControl control, CancellationToken ct) =>
                AdminJson.WithBodyAsync<AssignCallbackRequest, Ok<CallbackResource>>(request, body => control.AssignAsync(id, body, ct), ct))
            .JsonBody<AssignCallbackRequest>().RequireAuthorization(TechnicianPolicies.Availability).WithTags("Callbacks")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }
}

public sealed record CancelCallbackRequest(string? Reason);
public sealed record RescheduleCallbackRequest(string? DueAt);
public sealed record AssignCallbackRequest(string? TechnicianId);

/// <summary>
/// A person steering a callback: cancel (never dialled afterwards), reschedule inside the promise's window, assign to one
/// technician. Each change is saved under the callback's version (a dispatcher that leased it and saves its dial intent
/// meanwhile makes this one a 409, and the other way round), with its audit row in the same transaction.
/// </summary>
public sealed class CallbackControl(PhoneSupportDb db, PolicyCatalog policies, AuditLog audit, IClock clock)
{
    /// <summary>How far ahead a callback can be rescheduled.</summary>
    public static readonly Duration MaxAhead = Duration.FromDays(31);

    public async Task<Results<Ok<CallbackResource>, ProblemHttpResult>> CancelAsync(string idText, CancelCallbackRequest body, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        if (string.IsNullOrWhiteSpace(body.Reason)) return Problems.Validation("reason", "Required: why the callback is cancelled.");
        var callback = await FindAsync(idText, ct);
        if (callback is null) return Problems.NotFound($"No callback '{idText}'.");
        if (callback.Status == CallbackStatus.Cancelled) return TypedResults.Ok(CallbackResource.Of(callback));
        var before = CallbackResource.Of(callback);
        if (!callback.Cancel(body.Reason.Trim(), clock.GetCurrentInstant()))
            return Problems.Conflict("status", callback.IsOpen
                ? "The technician's phone is already ringing for this callback; it can no longer be cancelled."
                : $"The callback is {callback.Status.Wire()}.");
        return await SaveAsync(callback, "cancelled", before, ct);
    }

    public async Task<Results<Ok<CallbackResource>, ProblemHttpResult>> RescheduleAsync(string idText, RescheduleCallbackRequest body, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        var dueAt = AdminFormats.Instant(body.DueAt, "dueAt", errors);
        if (errors.Any) return Problems.Validation(errors);
        var callback = await FindAsync(idText, ct);
        if (callback is null) return Problems.NotFound($"No callback '{idText}'.");
        if (callback.Status != CallbackStatus.Scheduled) return Problems.Conflict("status", $"Only a scheduled callback is rescheduled; this one is {callback.Status.Wire()}.");

        var now = clock.GetCurrentInstant();
        var due = dueAt!.Value;
        var policy = policies.For(callback.Provider)!;
        if (due <= now) return Problems.Validation("dueAt", "The new due time must be in the future.");
        if (due - now > MaxAhead) return Problems.Validation("dueAt", $"A callback is rescheduled at most {MaxAhead.Days} days ahead.");
        if (callback.CoverageOnly && !policy.Coverage.IsCovered(due))
            return Problems.Validation("dueAt",
                $"This is a business-hours promise ({policy.Coverage.Describe()}); {AdminFormats.Format(due)} is in the {policy.Coverage.WindowAt(due).Name()} window. The next opening is {AdminFormats.Format(policy.Coverage.NextOpening(due))}.");
        // The promise keeps its slack: a callback due an hour after it could first be dialled is dialled from an hour before the new due time.
        var slack = Duration.Max(Duration.Zero, callback.DueAt - callback.NotBefore);
        var notBefore = due - slack < now ? now : due - slack;
        if (callback.CoverageOnly && !policy.Coverage.IsCovered(notBefore)) notBefore = policy.Coverage.NextOpening(notBefore);
        var before = CallbackResource.Of(callback);
        callback.Reschedule(due, notBefore, now);
        return await SaveAsync(callback, "rescheduled", before, ct);
    }

    public async Task<Results<Ok<CallbackResource>, ProblemHttpResult>> AssignAsync(string idText, AssignCallbackRequest body, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        var technicianId = AdminFormats.Id(body.TechnicianId, "technicianId", errors, required: false);
        if (errors.Any) return Problems.Validation(errors);
        var callback = await FindAsync(idText, ct);
        if (callback is null) return Problems.NotFound($"No callback '{idText}'.");
        if (!callback.IsOpen) return Problems.Conflict("status", $"The callback is {callback.Status.Wire()}.");
        if (technicianId is { } tid && !await db.Technicians.AnyAsync(t => t.Id == tid && t.Active && t.Providers.Contains(callback.Provider), ct))
            return Problems.Validation("technicianId", $"No active technician {tid} serves {callback.Provider}.");
        var before = CallbackResource.Of(callback);
        callback.Assign(technicianId, clock.GetCurrentInstant());
        return await SaveAsync(callback, "assigned", before, ct);
    }

    private async Task<Callback?> FindAsync(string idText, CancellationToken ct) =>
        Guid.TryParse(idText, out var id) ? await db.Callbacks.FirstOrDefaultAsync(c => c.Id == id, ct) : null;

    private async Task<Results<Ok<CallbackResource>, ProblemHttpResult>> SaveAsync(Callback callback, string action, CallbackResource before, CancellationToken ct)
    {
        var after = CallbackResource.Of(callback);
        audit.Record("callback", callback.Id, action, before, after);
        db.CallEvents.Add(new CallEventRecord(callback.CallSid, clock.GetCurrentInstant(), $"callback{char.ToUpperInvariant(action[0])}{action[1..]}",
            JsonSerializer.Serialize(new { callbackId = callback.Id, by = audit.Actor.Name, reason = callback.CancelReason, dueAt = after.DueAt, technicianId = callback.AssignedTechnicianId })));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Conflict("status", "The callback changed meanwhile (the dispatcher started dialling it); read it again.");
        }
        return TypedResults.Ok(after);
    }
}

/// <summary>Callback promises as the dispatcher keeps them: the promised number, the call that made the promise, when it is due and whether it is at risk.</summary>
public sealed class CallbacksHandler(PhoneSupportDb db)
{
    public static readonly string[] Statuses =
        [.. CallbackStatuses.All.Select(s => s.Wire())];

    /// <summary>
    /// In due order (then id). The cursor is the last callback's id; the page after it continues from that callback's
    /// due time, which never changes once promised.
    /// </summary>
    public async Task<Results<Ok<Page<CallbackResource>>, ProblemHttpResult>> ListAsync(string? status, string? limitText, string? cursorText, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var limit = AdminFormats.Limit(limitText, errors);
        var after = AdminFormats.Cursor(cursorText, errors);
        if (string.IsNullOrEmpty(status)) status = null;
        else if (!Statuses.Contains(status, StringComparer.Ordinal)) errors.Add("status", $"'{status}' is not a callback status; one of: {string.Join(", ", Statuses)}.");
        var last = after is { } lastId ? await db.Callbacks.AsNoTracking().Where(c => c.Id == lastId).Select(c => new { c.Id, c.DueAt }).FirstOrDefaultAsync(ct) : null;
        if (after is not null && last is null && !errors.Any) errors.Add("cursor", "Not a cursor this API gave out (pass the 'next' of the previous page).");
        if (errors.Any) return Problems.Validation(errors);

        var query = db.Callbacks.AsNoTracking();
        if (status is not null && CallbackStatuses.Parse(status) is var wanted) query = query.Where(c => c.Status == wanted);
        if (last is not null) query = query.Where(c => c.DueAt > last.DueAt || (c.DueAt == last.DueAt && c.Id > last.Id));
        var rows = await query.OrderBy(c => c.DueAt).ThenBy(c => c.Id).Take(limit + 1).ToListAsync(ct);
        var page = rows.Take(limit).Select(CallbackResource.Of).ToList();
        return TypedResults.Ok(new Page<CallbackResource>(page, rows.Count > limit ? AdminFormats.Cursor(page[^1].Id) : null));
    }

    public async Task<Results<Ok<CallbackResource>, ProblemHttpResult>> GetAsync(string idText, CancellationToken ct)
    {
        var callback = Guid.TryParse(idText, out var id) ? await db.Callbacks.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) : null;
        return callback is null ? Problems.NotFound($"No callback '{idText}'.") : TypedResults.Ok(CallbackResource.Of(callback));
    }
}
