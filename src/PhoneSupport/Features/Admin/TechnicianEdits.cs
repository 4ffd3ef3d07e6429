using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Platform;
using PhoneSupport.Features.Routing;

namespace PhoneSupport.Features.Admin;

public static class TechnicianEditEndpoints
{
    public static RouteGroupBuilder MapTechnicianEdits(this RouteGroupBuilder api)
    {
        api.MapPatch("/technicians/{id}", (string id, HttpRequest request, TechniciansHandler handler, CancellationToken ct) =>
                MergePatch.WithPatchAsync<PatchTechnicianRequest, Ok<TechnicianResource>>(request,
                    (body, sent) => handler.PatchAsync(id, body, sent, ETags.IfMatch(request), request.HttpContext.User, ct), ct))
            .WithETag().JsonBody<PatchTechnicianRequest>().RequireAuthorization(AdminPolicies.Admin).WithTags("Technicians")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }
}

/// <summary>A merge patch of a technician; <c>active: false</c> retires them (never reserved again; a call in progress is finished).</summary>
public sealed record PatchTechnicianRequest(string? Name, string? PhoneNumber, string?[]? Providers, string?[]? Skills, string?[]? Languages, bool? Active);

public sealed partial class TechniciansHandler
{
    /// <summary>
    /// Edits a technician under <c>If-Match</c>, validated as <c>POST /api/technicians</c> is, audited in the same transaction.
    /// Retiring one who is free takes them offline; one on a call keeps it (routing never reserves an inactive technician).
    /// Routing changes the row's state (and version) all the time: a save that meets such a change is simply retried, and
    /// judged again on the revision, which only edits move.
    /// </summary>
    public async Task<Results<Ok<TechnicianResource>, ProblemHttpResult>> PatchAsync(
        string idText, PatchTechnicianRequest body, IReadOnlySet<string> sent, string? ifMatch, System.Security.Claims.ClaimsPrincipal user, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        if (!Guid.TryParse(idText, out var id)) return NotFound(idText);
        var errors = new FieldErrors();
        var name = body.Name?.Trim();
        if (sent.Contains("name") && (string.IsNullOrEmpty(name) || name.Length > MaxName)) errors.Add("name", $"The technician's name, 1 to {MaxName} characters.");
        if (sent.Contains("phoneNumber") && !AdminFormats.IsE164(body.PhoneNumber)) errors.Add("phoneNumber", $"'{body.PhoneNumber}' is not an E.164 number like +17035550100.");
        List<string>? providers = null;
        if (sent.Contains("providers"))
        {
            providers = [];
            if (body.Providers is null or []) errors.Add("providers", $"At least one of: {KnownProviders()}.");
            foreach (var provider in body.Providers ?? [])
            {
                if (provider is null || policies.For(provider) is not { } policy) errors.Add("providers", UnknownProvider(provider));
                else if (providers.Contains(policy.Provider)) errors.Add("providers", $"'{provider}' is listed more than once.");
                else providers.Add(policy.Provider);
            }
        }
        List<string>? skills = null;
        if (sent.Contains("skills"))
        {
            skills = [];
            foreach (var skill in (body.Skills ?? []).Select(s => s?.Trim()))
            {
                if (string.IsNullOrEmpty(skill) || skill.Length > MaxSkill) errors.Add("skills", $"A skill is 1 to {MaxSkill} characters, like sales.");
                else if (skills.Contains(skill, StringComparer.Ordinal)) errors.Add("skills", $"'{skill}' is listed more than once.");
                else skills.Add(skill);
            }
        }
        var languages = sent.Contains("languages") ? Languages(body.Languages, errors) : null;
        if (sent.Contains("active") && body.Active is null) errors.Add("active", "true or false.");
        if (errors.Any) return Problems.Validation(errors);

        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var technician = await db.Technicians.FirstOrDefaultAsync(t => t.Id == id, ct);
            if (technician is null) return NotFound(idText);
            if (ETags.Precondition(ifMatch, technician.Revision) is { } stale) return stale;
            var now = clock.GetCurrentInstant();
            var before = (await ResourcesAsync([technician], ct))[0];
            technician.Edit(sent.Contains("name") ? name : null, sent.Contains("phoneNumber") ? body.PhoneNumber : null,
                providers is null ? null : [.. providers], skills is null ? null : [.. skills], languages is null ? null : [.. languages], body.Active);
            if (body.Active is false && Current(technician, now).Status is TechnicianStatus.Available or TechnicianStatus.WrapUp or TechnicianStatus.Offline
                && technician.Status != TechnicianStatus.Offline)
            {
                if (technician.Status == TechnicianStatus.Reserved) technician.SetAvailability(true, now);
                technician.SetAvailability(false, now);
            }
            var after = (await ResourcesAsync([technician], ct))[0];
            audit.Record("technician", technician.Id, "updated", before, after);
            db.TechnicianEvents.Add(Event(id, now, "edited", new { active = technician.Active, by = Who(user) }));
            try
            {
                await db.SaveChangesAsync(ct);
                break;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                // Routing moved the technician's state meanwhile (or another edit landed): read again and judge again.
            }
            catch (DbUpdateException e) when (Problems.UniqueViolation(e) is "technicians_phone_number_key")
            {
                return Problems.Conflict("phoneNumber", $"{body.PhoneNumber} is already the number of another technician.");
            }
        }
        db.ChangeTracker.Clear();
        return TypedResults.Ok((await ReadAsync(id, ct))!);
    }
}
