using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Audit;

/// <summary>The audit log: <see cref="AuditLog"/> for every feature that changes something, and <c>GET /api/audit</c> (admin).</summary>
public static class AuditFeature
{
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddScoped<AuditQueries>();
        return builder;
    }

    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", ([FromQuery] string? entity, [FromQuery] string? id, [FromQuery] string? from, [FromQuery] string? to,
                [FromQuery] string? limit, [FromQuery] string? cursor, AuditQueries queries, CancellationToken ct) =>
                queries.ListAsync(new AuditFilter(entity, id, from, to, limit, cursor), ct))
            .RequireAuthorization(AdminPolicies.Admin).WithTags("Audit").ProducesValidationProblem();
        return api;
    }
}

public sealed record AuditFilter(string? Entity, string? Id, string? From, string? To, string? Limit = null, string? Cursor = null);

/// <summary>One audit row as the API answers it; <c>before</c>/<c>after</c> are the JSON recorded (null when absent).</summary>
public sealed record AuditResource(Guid Id, string At, string Actor, string ActorKind, string Entity, string EntityId, string Action,
    JsonElement? Before, JsonElement? After)
{
    public static AuditResource Of(AuditEntry e) =>
        new(e.Id, AdminFormats.Format(e.At), e.Actor, e.ActorKind, e.Entity, e.EntityId, e.Action, Parse(e.Before), Parse(e.After));

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}

/// <summary>Reads the audit log newest first, filtered by entity, entity id and period (<c>from</c> inclusive, <c>to</c> exclusive).</summary>
public sealed partial class AuditQueries(PhoneSupportDb db)
{
    public async Task<Results<Ok<Page<AuditResource>>, ProblemHttpResult>> ListAsync(AuditFilter filter, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var (query, limit) = Filtered(filter, errors);
        if (errors.Any || query is null) return Problems.Validation(errors);
        var rows = await query.Take(limit + 1).ToListAsync(ct);
        var page = rows.Take(limit).Select(AuditResource.Of).ToList();
        return TypedResults.Ok(new Page<AuditResource>(page, rows.Count > limit ? AdminFormats.Cursor(page[^1].Id) : null));
    }

    /// <summary>The filtered query (newest first: ids are version-7 UUIDs, ordered by time) and the page size; null with errors.</summary>
    public (IQueryable<AuditEntry>? Query, int Limit) Filtered(AuditFilter filter, FieldErrors errors)
    {
        var limit = AdminFormats.Limit(filter.Limit, errors);
        var before = AdminFormats.Cursor(filter.Cursor, errors);
        Instant? from = string.IsNullOrWhiteSpace(filter.From) ? null : AdminFormats.Instant(filter.From, "from", errors);
        Instant? to = string.IsNullOrWhiteSpace(filter.To) ? null : AdminFormats.Instant(filter.To, "to", errors);
        if (from is { } f && to is { } t && t <= f) errors.Add("to", "'to' must be after 'from'.");
        if (filter.Id is { Length: > 0 } && string.IsNullOrWhiteSpace(filter.Entity)) errors.Add("entity", "Required with 'id': the kind of entity (account, technician, …).");
        else if (!string.IsNullOrEmpty(filter.Entity) && !EntityName().IsMatch(filter.Entity))
            errors.Add("entity", $"'{filter.Entity}' is not an entity kind: a camelCase name like account, technician, callback, closure.");
        if (errors.Any) return (null, limit);

        var query = db.AuditLog.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Entity)) query = query.Where(e => e.Entity == filter.Entity.Trim());
        if (!string.IsNullOrWhiteSpace(filter.Id)) query = query.Where(e => e.EntityId == filter.Id.Trim());
        if (from is { } start) query = query.Where(e => e.At >= start);
        if (to is { } end) query = query.Where(e => e.At < end);
        if (before is { } last) query = query.Where(e => e.Id < last);
        return (query.OrderByDescending(e => e.Id), limit);
    }

    /// <summary>Entity kinds are camelCase names (<c>account</c>, <c>examSession</c>); any feature may add its own.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^[a-z][A-Za-z]{1,39}\z")]
    private static partial System.Text.RegularExpressions.Regex EntityName();
}
