using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Platform;
using PhoneSupport.Features.Routing;

namespace PhoneSupport.Features.Admin;

public static class TechnicianEndpoints
{
    public static RouteGroupBuilder MapTechnicians(this RouteGroupBuilder api)
    {
        api.MapPost("/technicians", (HttpRequest request, TechniciansHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<CreateTechnicianRequest, Created<TechnicianResource>>(request, body => handler.CreateAsync(body, request.HttpContext.User, ct), ct))
            .JsonBody<CreateTechnicianRequest>().RequireAuthorization(AdminPolicies.Admin).WithTags("Technicians").ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/technicians", ([FromQuery] string? limit, [FromQuery] string? cursor, [FromQuery] string? provider, TechniciansHandler handler, CancellationToken ct) =>
                handler.ListAsync(limit, cursor, provider, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Technicians").ProducesValidationProblem();
        api.MapGet("/technicians/{id}", (string id, TechniciansHandler handler, CancellationToken ct) => handler.GetAsync(id, ct))
            .WithETag().RequireAuthorization(AdminPolicies.Read).WithTags("Technicians").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/technicians/{id}/availability", (string id, HttpRequest request, TechniciansHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<SetAvailabilityRequest, Ok<TechnicianResource>>(request, body => handler.SetAvailabilityAsync(id, body, request.HttpContext.User, ct), ct))
            .JsonBody<SetAvailabilityRequest>().RequireAuthorization(TechnicianPolicies.Availability).WithTags("Technicians")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPut("/technicians/{id}/on-call", (string id, HttpRequest request, TechniciansHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<ReplaceOnCallRequest, Ok<TechnicianResource>>(request, body => handler.ReplaceOnCallAsync(id, body, request.HttpContext.User, ct), ct))
            .JsonBody<ReplaceOnCallRequest>().RequireAuthorization(AdminPolicies.Admin).WithTags("Technicians")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapTechnicianEdits();
        return api;
    }
}

/// <summary>
/// Technicians: provisioning, their availability (the only states a person sets; routing sets the rest) and the
/// on-call rota. Every change is appended to <c>technician_events</c> with the key that made it.
/// </summary>
public sealed partial class TechniciansHandler(PhoneSupportDb db, PolicyCatalog policies, IClock clock, IOptions<RoutingOptions> routing, Audit.AuditLog audit)
{
    private const int MaxName = 200;
    private const int MaxSkill = 50;
    private static readonly JsonSerializerOptions EventJson = new(JsonSerializerDefaults.Web);

    public async Task<Results<Created<TechnicianResource>, ProblemHttpResult>> CreateAsync(CreateTechnicianRequest body, ClaimsPrincipal user, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        var name = body.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxName) errors.Add("name", $"Required: the technician's name, 1 to {MaxName} characters.");
        if (body.PhoneNumber is null) errors.Add("phoneNumber", "Required: the E.164 number calls are forwarded to, like +17035550100.");
        else if (!AdminFormats.IsE164(body.PhoneNumber)) errors.Add("phoneNumber", $"'{body.PhoneNumber}' is not an E.164 number like +17035550100.");
        var providers = new List<string>();
        if (body.Providers is null or []) errors.Add("providers", $"Required: the providers served, at least one of: {KnownProviders()}.");
        foreach (var provider in body.Providers ?? [])
        {
            if (provider is null || policies.For(provider) is not { } policy) errors.Add("providers", UnknownProvider(provider));
            else if (providers.Contains(policy.Provider)) errors.Add("providers", $"'{provider}' is listed more than once.");
            else providers.Add(policy.Provider);
        }
        var skills = new List<string>();
        foreach (var skill in (body.Skills ?? []).Select(s => s?.Trim()))
        {
            if (string.IsNullOrEmpty(skill) || skill.Length > MaxSkill) errors.Add("skills", $"A skill is 1 to {MaxSkill} characters, like sales.");
            else if (skills.Contains(skill, StringComparer.Ordinal)) errors.Add("skills", $"'{skill}' is listed more than once.");
            else skills.Add(skill);
        }
        var languages = Languages(body.Languages, errors);
        if (errors.Any) return Problems.Validation(errors);

        var now = clock.GetCurrentInstant();
        var technician = new Technician(Guid.CreateVersion7(), name!, body.PhoneNumber!, [.. providers], [.. skills], now, [.. languages]);
        db.Technicians.Add(technician);
        db.TechnicianEvents.Add(Event(technician.Id, now, "created", new { status = technician.Status, by = Who(user) }));
        audit.Record("technician", technician.Id, "created", null, new { technician.Name, technician.PhoneNumber, technician.Providers, technician.Skills, technician.Languages });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (Problems.UniqueViolation(e) is "technicians_phone_number_key")
        {
            return Problems.Conflict("phoneNumber", $"{technician.PhoneNumber} is already the number of another technician.");
        }
        return TypedResults.Created($"/api/technicians/{technician.Id}", (await ReadAsync(technician.Id, ct))!);
    }

    public async Task<Results<Ok<Page<TechnicianResource>>, ProblemHttpResult>> ListAsync(string? limitText, string? cursorText, string? provider, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var limit = AdminFormats.Limit(limitText, errors);
        var after = AdminFormats.Cursor(cursorText, errors);
        if (provider is not null && policies.For(provider) is null) errors.Add("provider", UnknownProvider(provider));
        if (errors.Any) return Problems.Validation(errors);

        var query = db.Technicians.AsNoTracking();
        if (provider is not null) query = query.Where(t => t.Providers.Contains(provider));
        if (after is { } last) query = query.Where(t => t.Id > last);
        var rows = await query.OrderBy(t => t.Id).Take(limit + 1).ToListAsync(ct);
        var page = await ResourcesAsync([.. rows.Take(limit)], ct);
        return TypedResults.Ok(new Page<TechnicianResource>(page, rows.Count > limit ? AdminFormats.Cursor(page[^1].Id) : null));
    }

    public async Task<Results<Ok<TechnicianResource>, ProblemHttpResult>> GetAsync(string idText, CancellationToken ct) =>
        Guid.TryParse(idText, out var id) && await ReadAsync(id, ct) is { } technician ? TypedResults.Ok(technician) : NotFound(idText);

    /// <summary>
    /// <c>available</c> or <c>offline</c>. Going offline during a call is refused (409: offline comes after the call);
    /// asking to be available during one changes nothing, since the technician is offered again after wrap-up anyway.
    /// A reservation taken concurrently by the router (version check) is re-read and judged again.
    /// </summary>
    public async Task<Results<Ok<TechnicianResource>, ProblemHttpResult>> SetAvailabilityAsync(string idText, SetAvailabilityRequest body, ClaimsPrincipal user, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        if (!Guid.TryParse(idText, out var id) || !await db.Technicians.AnyAsync(t => t.Id == id, ct)) return NotFound(idText);
        if (!KeyScope.MayActFor(user, id))
            return KeyScope.Forbidden("A technician key sets the availability of its own technician only.");
        if (!StoredText<TechnicianStatus>.TryParse(body.Status, out var wanted) || wanted is not (TechnicianStatus.Available or TechnicianStatus.Offline))
            return Problems.Validation("status", $"'{body.Status}' is not a status a technician sets; one of: available, offline (the service sets reserved, busy and wrapUp).");
        var available = wanted == TechnicianStatus.Available;
        for (var attempt = 1; ; attempt++)
        {
            var technician = await db.Technicians.SingleAsync(t => t.Id == id, ct);
            var now = clock.GetCurrentInstant();
            var (current, _, callSid) = Current(technician, now);
            if (current is TechnicianStatus.Reserved or TechnicianStatus.Busy && !available)
                return Problems.Conflict("status",
                    $"{technician.Name} is {current.Text()} on call {callSid}: a technician on a call goes offline after it ends. Set offline again once the call is over.");
            if (current is TechnicianStatus.Reserved or TechnicianStatus.Busy || current == wanted) break;

            // An expired reservation is released first, as the router would take it over; then the choice applies.
            if (technician.Status == TechnicianStatus.Reserved) technician.SetAvailability(true, now);
            technician.SetAvailability(available, now);
            db.TechnicianEvents.Add(Event(id, now, "availability", new { from = current, to = technician.Status, by = Who(user) }));
            audit.Record("technician", id, "availability", new { status = current }, new { status = technician.Status });
            try
            {
                await db.SaveChangesAsync(ct);
                break;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                db.ChangeTracker.Clear();
            }
        }
        db.ChangeTracker.Clear();
        return TypedResults.Ok((await ReadAsync(id, ct))!);
    }

    /// <summary>Replaces the whole rota (past windows included) in one transaction that holds the technician's row.</summary>
    public async Task<Results<Ok<TechnicianResource>, ProblemHttpResult>> ReplaceOnCallAsync(string idText, ReplaceOnCallRequest body, ClaimsPrincipal user, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        if (!Guid.TryParse(idText, out var id) || !await db.Technicians.AnyAsync(t => t.Id == id, ct)) return NotFound(idText);
        var errors = new FieldErrors();
        var windows = Windows(body, errors);
        if (errors.Any) return Problems.Validation(errors);

        var now = clock.GetCurrentInstant();
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await db.Technicians.FromSql($"select * from technicians where id = {id} for update").AsNoTracking().SingleAsync(ct);
            var previous = await db.OnCallWindows.AsNoTracking().Where(w => w.TechnicianId == id).OrderBy(w => w.StartsAt).ToListAsync(ct);
            await db.OnCallWindows.Where(w => w.TechnicianId == id).ExecuteDeleteAsync(ct);
            db.OnCallWindows.AddRange(windows.Select(w => new OnCallWindow(id, w.Start, w.End)));
            db.TechnicianEvents.Add(Event(id, now, "onCall", new
            {
                from = previous.Select(w => Window(w.StartsAt, w.EndsAt)),
                to = windows.Select(w => Window(w.Start, w.End)),
                by = Who(user),
            }));
            audit.Record("technician", id, "onCall", previous.Select(w => Window(w.StartsAt, w.EndsAt)), windows.Select(w => Window(w.Start, w.End)));
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        });
        db.ChangeTracker.Clear();
        return TypedResults.Ok((await ReadAsync(id, ct))!);
    }

    public async Task<TechnicianResource?> ReadAsync(Guid id, CancellationToken ct)
    {
        var technician = await db.Technicians.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
        return technician is null ? null : (await ResourcesAsync([technician], ct))[0];
    }

    /// <summary>The windows in start order; each must end after it starts, and none may overlap another.</summary>
    private static List<(Instant Start, Instant End)> Windows(ReplaceOnCallRequest body, FieldErrors errors)
    {
        if (body.Windows is null) errors.Add("windows", "Required: the whole rota as [{ start, end }] (an empty list clears it).");
        var windows = new List<(Instant Start, Instant End)>();
        for (var i = 0; i < (body.Windows?.Length ?? 0); i++)
        {
            if (body.Windows![i] is not { } window)
            {
                errors.Add($"windows[{i}]", "Required: { start, end }.");
                continue;
            }
            var start = AdminFormats.Instant(window.Start, $"windows[{i}].start", errors);
            var end = AdminFormats.Instant(window.End, $"windows[{i}].end", errors);
            if (start is not { } s || end is not { } e) continue;
            if (e <= s) errors.Add($"windows[{i}].end", "A window must end after it starts.");
            else windows.Add((s, e));
        }
        windows.Sort((a, b) => a.Start.CompareTo(b.Start));
        for (var i = 1; i < windows.Count; i++)
            if (windows[i].Start < windows[i - 1].End)
                errors.Add("windows", $"The windows {Text(windows[i - 1])} and {Text(windows[i])} overlap.");
        return windows;
    }

    private async Task<List<TechnicianResource>> ResourcesAsync(IReadOnlyList<Technician> technicians, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var ids = technicians.Select(t => t.Id).ToList();
        var windows = (await db.OnCallWindows.AsNoTracking().Where(w => ids.Contains(w.TechnicianId) && w.EndsAt > now).ToListAsync(ct))
            .ToLookup(w => w.TechnicianId);
        return [.. technicians.Select(t =>
        {
            var (status, since, callSid) = Current(t, now);
            var rota = windows[t.Id].OrderBy(w => w.StartsAt).ToList();
            return new TechnicianResource(t.Id, t.Name, t.PhoneNumber, t.Providers, t.Skills, status.Text(), AdminFormats.Format(since), callSid,
                rota.Any(w => w.StartsAt <= now), [.. rota.Select(w => Window(w.StartsAt, w.EndsAt))], AdminFormats.Format(t.CreatedAt), t.Languages,
                t.Active, t.Revision);
        })];
    }

    /// <summary>
    /// The state as <see cref="TechnicianRouter"/>'s candidate query sees it: a wrap-up older than
    /// <see cref="RoutingOptions.WrapUp"/> and a reservation past its expiry are available again.
    /// </summary>
    private (TechnicianStatus Status, Instant Since, string? CallSid) Current(Technician t, Instant now)
    {
        var wrapUp = Duration.FromTimeSpan(routing.Value.WrapUp);
        if (t.Status == TechnicianStatus.WrapUp && t.StatusSince <= now - wrapUp) return (TechnicianStatus.Available, t.StatusSince + wrapUp, null);
        if (t.Status == TechnicianStatus.Reserved && t.ReservedUntil is { } until && until < now) return (TechnicianStatus.Available, until, null);
        return (t.Status, t.StatusSince, t.ReservedCallSid);
    }

    /// <summary>
    /// The languages a technician takes calls in, as primary subtags in the order given (preferred first): <c>de-DE</c> and
    /// <c>de</c> are both <c>de</c>. None given: English.
    /// </summary>
    private static List<string> Languages(string?[]? given, FieldErrors errors)
    {
        var languages = new List<string>();
        foreach (var tag in given ?? [])
        {
            if (tag is null || !LanguageTag().IsMatch(tag)) errors.Add("languages", $"'{tag}' is not a language tag like en, de or de-DE.");
            else if (languages.Contains(Domain.Calls.Speech.Primary(tag))) errors.Add("languages", $"'{tag}' is listed more than once (a language counts once, whatever its region).");
            else languages.Add(Domain.Calls.Speech.Primary(tag));
        }
        return languages.Count > 0 ? languages : ["en"];
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    private static partial System.Text.RegularExpressions.Regex LanguageTag();

    private static TechnicianEvent Event(Guid technicianId, Instant at, string kind, object data) =>
        new(technicianId, at, kind, JsonSerializer.Serialize(data, EventJson));

    /// <summary>The API key that made a change: its name, role and id (none for the bootstrap key).</summary>
    private static object Who(ClaimsPrincipal user) => new
    {
        name = user.Identity?.Name,
        role = user.FindFirstValue(ClaimTypes.Role),
        apiKeyId = user.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim),
    };

    private static OnCallWindowResource Window(Instant start, Instant end) => new(AdminFormats.Format(start), AdminFormats.Format(end));

    private static string Text((Instant Start, Instant End) w) => $"{AdminFormats.Format(w.Start)}–{AdminFormats.Format(w.End)}";

    private string KnownProviders() => string.Join(", ", policies.Policies.Select(p => p.Provider));

    private string UnknownProvider(string? provider) => $"'{provider}' is not a provider with a loaded policy; one of: {KnownProviders()}.";

    private static ProblemHttpResult NotFound(string idText) => Problems.NotFound($"No technician '{idText}'.");
}
