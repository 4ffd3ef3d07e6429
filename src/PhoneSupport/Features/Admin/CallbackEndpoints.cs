using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Features.Callbacks;

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
        return api;
    }
}

/// <summary>Callback promises as the dispatcher keeps them: the promised number, the call that made the promise, when it is due and whether it is at risk.</summary>
public sealed class CallbacksHandler(PhoneSupportDb db)
{
    public static readonly string[] Statuses =
        [CallbackStatus.Scheduled, CallbackStatus.Dialing, CallbackStatus.Completed, CallbackStatus.Missed, CallbackStatus.Cancelled];

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
        if (status is not null) query = query.Where(c => c.Status == status);
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
