using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

public static class ApiKeyEndpoints
{
    public static RouteGroupBuilder MapApiKeys(this RouteGroupBuilder api)
    {
        api.MapPost("/api-keys", (HttpRequest request, ApiKeysHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<CreateApiKeyRequest, Created<ApiKeyResource>>(request, body => handler.CreateAsync(body, ct), ct))
            .JsonBody<CreateApiKeyRequest>().RequireAuthorization(AdminPolicies.Admin).WithTags("API keys").ProducesValidationProblem();
        api.MapGet("/api-keys/{id}", (string id, ApiKeysHandler handler, CancellationToken ct) => handler.GetAsync(id, ct))
            .RequireAuthorization(AdminPolicies.Admin).WithTags("API keys").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/api-keys/{id}", (string id, ApiKeysHandler handler, CancellationToken ct) => handler.RevokeAsync(id, ct))
            .RequireAuthorization(AdminPolicies.Admin).WithTags("API keys").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}

/// <summary>API keys: created with the key shown once (only its SHA-256 hash is stored), read without it, revoked.</summary>
public sealed class ApiKeysHandler(PhoneSupportDb db, IClock clock, ILogger<ApiKeysHandler> logger, Audit.AuditLog audit)
{
    public async Task<Results<Created<ApiKeyResource>, ProblemHttpResult>> CreateAsync(CreateApiKeyRequest body, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Trim().Length > 200) errors.Add("name", "Required: who or what uses the key, 1 to 200 characters.");
        if (body.Role is null || !ApiKey.Roles.Contains(body.Role)) errors.Add("role", $"'{body.Role}' is not a role; one of: {string.Join(", ", ApiKey.Roles)}.");
        Guid? technicianId = null;
        if (body.Role == "technician")
        {
            // A technician key acts for one technician only: the one it is bound to.
            if (string.IsNullOrWhiteSpace(body.TechnicianId)) errors.Add("technicianId", "Required for a technician key: the id of the technician it acts for.");
            else if (!Guid.TryParse(body.TechnicianId.Trim(), out var id) || !await db.Technicians.AnyAsync(t => t.Id == id, ct))
                errors.Add("technicianId", $"No technician '{body.TechnicianId}'.");
            else technicianId = id;
        }
        else if (!string.IsNullOrWhiteSpace(body.TechnicianId) && body.Role is not null && ApiKey.Roles.Contains(body.Role))
            errors.Add("technicianId", $"Only a technician key is bound to a technician; a {body.Role} key takes no technicianId.");
        if (errors.Any) return Problems.Validation(errors);

        var (key, secret) = ApiKey.Create(body.Name!.Trim(), body.Role!, clock.GetCurrentInstant(), technicianId);
        db.ApiKeys.Add(key);
        audit.Record("apiKey", key.Id, "created", null, ApiKeyResource.Of(key));
        await db.SaveChangesAsync(ct);
        logger.LogInformation("API key {KeyId} ({Name}, {Role}, technician {TechnicianId}) created", key.Id, key.Name, key.Role, key.TechnicianId);
        return TypedResults.Created($"/api/api-keys/{key.Id}", ApiKeyResource.Of(key, secret));
    }

    /// <summary>Every key (never the key itself), newest first: what the console's admin page lists.</summary>
    public async Task<List<ApiKeyResource>> ListAsync(CancellationToken ct) =>
        [.. (await db.ApiKeys.AsNoTracking().OrderByDescending(k => k.CreatedAt).ThenBy(k => k.Id).ToListAsync(ct)).Select(k => ApiKeyResource.Of(k))];

    public async Task<Results<Ok<ApiKeyResource>, ProblemHttpResult>> GetAsync(string idText, CancellationToken ct)
    {
        var key = Guid.TryParse(idText, out var id) ? await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, ct) : null;
        return key is null ? Problems.NotFound($"No API key '{idText}'.") : TypedResults.Ok(ApiKeyResource.Of(key));
    }

    /// <summary>Revokes the key from now on (idempotent: an already revoked key keeps its first revocation time).</summary>
    public async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(string idText, CancellationToken ct)
    {
        if (!Guid.TryParse(idText, out var id) || !await db.ApiKeys.AnyAsync(k => k.Id == id, ct)) return Problems.NotFound($"No API key '{idText}'.");
        Instant? now = clock.GetCurrentInstant();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var revoked = await db.ApiKeys.Where(k => k.Id == id && k.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), ct);
        if (revoked > 0)
        {
            audit.Record("apiKey", id, "revoked", null, new { revokedAt = AdminFormats.Format(now.Value) });
            await db.SaveChangesAsync(ct);
        }
        await tx.CommitAsync(ct);
        if (revoked > 0) logger.LogInformation("API key {KeyId} revoked", id);
        return TypedResults.NoContent();
    }
}
