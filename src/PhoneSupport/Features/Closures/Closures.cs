using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Npgsql;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Audit;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Closures;

/// <summary>A run-time closure of one provider (table <c>closures</c>): its window is a holiday for every decision.</summary>
public sealed class ClosureRecord
{
    private ClosureRecord() { }

    public ClosureRecord(Guid id, string provider, string name, Instant startsAt, Instant endsAt, string createdBy, Instant createdAt)
    {
        Id = id;
        Provider = provider;
        Name = name;
        StartsAt = startsAt;
        EndsAt = endsAt;
        CreatedBy = createdBy;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public string Provider { get; private set; } = "";
    public string Name { get; private set; } = "";
    public Instant StartsAt { get; private set; }
    public Instant EndsAt { get; private set; }
    public string CreatedBy { get; private set; } = "";
    public Instant CreatedAt { get; private set; }
}

internal sealed class ClosureRecordConfiguration : IEntityTypeConfiguration<ClosureRecord>
{
    public void Configure(EntityTypeBuilder<ClosureRecord> closure)
    {
        closure.ToTable("closures");
        closure.HasIndex(c => new { c.Provider, c.EndsAt }).HasDatabaseName("closures_provider_end");
    }
}

public static class ClosuresFeature
{
    /// <summary>The PostgreSQL notification channel a closure change is announced on (sent in the change's transaction).</summary>
    public const string Channel = "closures_changed";

    public static WebApplicationBuilder AddClosures(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ClosureCache>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClosureCache>());
        builder.Services.AddScoped<ClosuresHandler>();
        return builder;
    }

    public static RouteGroupBuilder MapClosures(this RouteGroupBuilder api)
    {
        api.MapPost("/closures", (HttpRequest request, ClosuresHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<CreateClosureRequest, Created<ClosureResource>>(request, body => handler.CreateAsync(body, ct), ct))
            .JsonBody<CreateClosureRequest>().RequireAuthorization(AdminPolicies.Admin).WithTags("Closures").ProducesValidationProblem();
        api.MapGet("/closures", ([FromQuery] string? provider, ClosuresHandler handler, CancellationToken ct) => handler.ListAsync(provider, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Closures").ProducesValidationProblem();
        api.MapGet("/closures/{id}", (string id, ClosuresHandler handler, CancellationToken ct) => handler.GetAsync(id, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Closures").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/closures/{id}", (string id, ClosuresHandler handler, CancellationToken ct) => handler.DeleteAsync(id, ct))
            .RequireAuthorization(AdminPolicies.Admin).WithTags("Closures").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }
}

public sealed record CreateClosureRequest(string? Provider, string? Start, string? End, string? Name);

public sealed record ClosureResource(Guid Id, string Provider, string Name, string Start, string End, string CreatedBy, string CreatedAt)
{
    public static ClosureResource Of(ClosureRecord c) =>
        new(c.Id, c.Provider, c.Name, AdminFormats.Format(c.StartsAt), AdminFormats.Format(c.EndsAt), c.CreatedBy, AdminFormats.Format(c.CreatedAt));
}

/// <summary>
/// Closures through the API and the console. Each change is written with its audit row and a <c>NOTIFY</c> in one
/// transaction; every instance's <see cref="ClosureCache"/> reloads on the notification (this one at once).
/// </summary>
public sealed class ClosuresHandler(PhoneSupportDb db, PolicyCatalog policies, ClosureCache cache, AuditLog audit, IClock clock)
{
    /// <summary>The longest closure accepted: a storm or a move, not a new calendar (the policy files are that).</summary>
    public static readonly Duration MaxLength = Duration.FromDays(31);

    public async Task<Results<Created<ClosureResource>, ProblemHttpResult>> CreateAsync(CreateClosureRequest body, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        if (body.Provider is null || policies.FromFile(body.Provider) is null)
            errors.Add("provider", $"'{body.Provider}' is not a provider with a loaded policy; one of: {string.Join(", ", policies.Policies.Select(p => p.Provider))}.");
        if (string.IsNullOrWhiteSpace(body.Name)) errors.Add("name", "Required: what the closure is (\"Office party\").");
        var start = AdminFormats.Instant(body.Start, "start", errors);
        var end = AdminFormats.Instant(body.End, "end", errors);
        var now = clock.GetCurrentInstant();
        if (start is { } s && end is { } e)
        {
            if (e <= s) errors.Add("end", "The closure must end after it starts.");
            else if (e - s > MaxLength) errors.Add("end", $"A closure lasts at most {MaxLength.Days} days; change the policy file for a longer one.");
            else if (e <= now) errors.Add("end", "The closure is wholly in the past.");
        }
        if (errors.Any) return Problems.Validation(errors);

        var closure = new ClosureRecord(Guid.CreateVersion7(), body.Provider!, body.Name!.Trim(), start!.Value, end!.Value, audit.Actor.Name, now);
        db.Closures.Add(closure);
        await SaveAndAnnounceAsync(() => audit.Record("closure", closure.Id, "created", null, ClosureResource.Of(closure)), ct);
        return TypedResults.Created($"/api/closures/{closure.Id}", ClosureResource.Of(closure));
    }

    public async Task<Results<Ok<Page<ClosureResource>>, ProblemHttpResult>> ListAsync(string? provider, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(provider) && policies.FromFile(provider) is null)
            return Problems.Validation("provider", $"'{provider}' is not a provider with a loaded policy.");
        var query = db.Closures.AsNoTracking();
        if (!string.IsNullOrEmpty(provider)) query = query.Where(c => c.Provider == provider);
        var rows = await query.OrderBy(c => c.StartsAt).ThenBy(c => c.Id).Take(AdminFormats.MaxLimit).ToListAsync(ct);
        return TypedResults.Ok(new Page<ClosureResource>([.. rows.Select(ClosureResource.Of)], null));
    }

    public async Task<Results<Ok<ClosureResource>, ProblemHttpResult>> GetAsync(string idText, CancellationToken ct)
    {
        var closure = Guid.TryParse(idText, out var id) ? await db.Closures.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) : null;
        return closure is null ? Problems.NotFound($"No closure '{idText}'.") : TypedResults.Ok(ClosureResource.Of(closure));
    }

    /// <summary>Removes a closure that has not ended yet; an ended one is history (calls were decided in it): 409.</summary>
    public async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string idText, CancellationToken ct)
    {
        var closure = Guid.TryParse(idText, out var id) ? await db.Closures.FirstOrDefaultAsync(c => c.Id == id, ct) : null;
        if (closure is null) return Problems.NotFound($"No closure '{idText}'.");
        if (closure.EndsAt <= clock.GetCurrentInstant())
            return Problems.Conflict("id", $"Closure '{closure.Name}' has ended; it stays as the record of the calls decided in it.");
        db.Closures.Remove(closure);
        await SaveAndAnnounceAsync(() => audit.Record("closure", closure.Id, "deleted", ClosureResource.Of(closure), null), ct);
        return TypedResults.NoContent();
    }

    private async Task SaveAndAnnounceAsync(Action record, CancellationToken ct)
    {
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            record();
            await db.SaveChangesAsync(ct);
            await db.Database.ExecuteSqlAsync($"select pg_notify({ClosuresFeature.Channel}, '')", ct);
            await transaction.CommitAsync(ct);
        }
        await cache.RefreshAsync(ct);
    }
}

/// <summary>
/// Every instance's copy of the closures, laid over the policy files' calendars in the <see cref="PolicyCatalog"/>
/// (so decisions, prices, SLA clocks, the dispatcher and policy queries all see them). Loaded at start-up, reloaded on
/// the <see cref="ClosuresFeature.Channel"/> notification and every 30 s (<see cref="Platform.NotifiedReload"/>).
/// </summary>
public sealed class ClosureCache(NpgsqlDataSource dataSource, PolicyCatalog policies, TimeProvider time, ILogger<ClosureCache> logger)
    : Platform.NotifiedReload(dataSource, time, logger)
{
    private readonly SemaphoreSlim _refreshing = new(1, 1);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RefreshAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            Logger.LogError(e, "Loading the closures failed; retrying in the background");
        }
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Reads every closure and swaps them into the catalog (one indexed read; closures are few).</summary>
    public override async Task RefreshAsync(CancellationToken ct)
    {
        await _refreshing.WaitAsync(ct);
        try
        {
            var closures = new List<(string, Closure)>();
            await using var command = DataSource.CreateCommand("select provider, name, starts_at, ends_at from closures order by starts_at");
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                closures.Add((reader.GetString(0), new Closure(reader.GetFieldValue<Instant>(2), reader.GetFieldValue<Instant>(3), reader.GetString(1))));
            policies.UseClosures(closures);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    protected override string Channel => ClosuresFeature.Channel;

    protected override string What => "Closures";
}
