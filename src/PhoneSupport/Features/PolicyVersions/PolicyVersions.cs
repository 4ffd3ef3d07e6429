using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using NodaTime;
using PhoneSupport.Configuration;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Audit;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.PolicyVersions;

public static class PolicyVersionsFeature
{
    /// <summary>The PostgreSQL notification channel a published or withdrawn version is announced on (sent in its transaction).</summary>
    public const string Channel = "policy_versions_changed";

    /// <summary>The longest policy YAML a request may carry (the shipped files are under 4 KB).</summary>
    public const int MaxYaml = 64 * 1024;

    public static WebApplicationBuilder AddPolicyVersions(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PolicyVersionCache>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PolicyVersionCache>());
        builder.Services.AddScoped<PolicyVersionsHandler>();
        return builder;
    }

    public static RouteGroupBuilder MapPolicyVersions(this RouteGroupBuilder api)
    {
        api.MapPost("/policies/{provider}/versions", (string provider, HttpRequest request, PolicyVersionsHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<PublishPolicyVersionRequest, Created<PolicyVersionResource>>(request, body => handler.PublishAsync(provider, body, ct), ct))
            .JsonBody<PublishPolicyVersionRequest>().RequireAuthorization(AdminPolicies.Admin).WithTags("Policies").ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/policies/{provider}/versions", (string provider, PolicyVersionsHandler handler, CancellationToken ct) => handler.ListAsync(provider, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Policies").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/policies/{provider}/versions/{version}", (string provider, string version, PolicyVersionsHandler handler, CancellationToken ct) =>
                handler.GetAsync(provider, version, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Policies").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/policies/{provider}/versions/{version}", (string provider, string version, PolicyVersionsHandler handler, CancellationToken ct) =>
                handler.WithdrawAsync(provider, version, ct))
            .RequireAuthorization(AdminPolicies.Admin).WithTags("Policies").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }
}

public sealed record PublishPolicyVersionRequest([property: TextLimit(PolicyVersionsFeature.MaxYaml, MultiLine = true)] string? Yaml, string? EffectiveFrom);

/// <summary>One stored version; <see cref="Yaml"/> only when one version is asked for.</summary>
public sealed record PolicyVersionResource(
    string Provider, string Version, string EffectiveFrom, string Source, string PublishedBy, string PublishedAt, string? WithdrawnAt, string? WithdrawnBy,
    string Status, [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Yaml);

/// <summary>A stored row of <c>policy_versions</c>.</summary>
public sealed record PolicyVersionRow(
    string Provider, string Version, Instant EffectiveFrom, string Yaml, string Source, string PublishedBy, Instant PublishedAt, Instant? WithdrawnAt, string? WithdrawnBy)
{
    public const string Columns = "provider, version, effective_from, yaml, source, published_by, published_at, withdrawn_at, withdrawn_by";

    public static PolicyVersionRow Read(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetFieldValue<Instant>(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetFieldValue<Instant>(6),
            r.IsDBNull(7) ? null : r.GetFieldValue<Instant>(7), r.IsDBNull(8) ? null : r.GetString(8));
}

/// <summary>
/// Publishing and withdrawing versions through the API and the console. Each change is written with its audit row and a
/// <c>NOTIFY</c> in one transaction; every instance's <see cref="PolicyVersionCache"/> reloads on the notification (this
/// one at once). Published versions are immutable (migration 0028's trigger); a version not yet effective may be withdrawn.
/// </summary>
public sealed class PolicyVersionsHandler(PhoneSupportDb db, PolicyCatalog policies, PolicyVersionCache cache, AuditLog audit, IClock clock)
{
    public async Task<Results<Created<PolicyVersionResource>, ProblemHttpResult>> PublishAsync(string provider, PublishPolicyVersionRequest body, CancellationToken ct)
    {
        if (policies.FromFile(provider) is null) return UnknownProvider(provider);
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        var effectiveFrom = AdminFormats.Instant(body.EffectiveFrom, "effectiveFrom", errors);
        if (errors.Any) return Problems.Validation(errors);
        var now = clock.GetCurrentInstant();
        var (policy, problems) = PolicyDraft.Check(provider, body.Yaml, effectiveFrom, now);
        if (policy is null) return Unprocessable(problems);

        var row = new PolicyVersionRow(provider, policy.Version, effectiveFrom!.Value, body.Yaml!, "api", audit.Actor.Name, now, null, null);
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            var inserted = await db.Database.ExecuteSqlAsync($"""
                insert into policy_versions (provider, version, effective_from, yaml, source, published_by, published_at)
                values ({row.Provider}, {row.Version}, {row.EffectiveFrom}, {row.Yaml}, {row.Source}, {row.PublishedBy}, {row.PublishedAt})
                on conflict (provider, version) do nothing
                """, ct);
            if (inserted == 0)
                return Problems.Conflict("version", $"{provider} already has a version '{policy.Version}' (published versions are immutable): give the draft a new version:.");
            audit.Record("policyVersion", $"{provider}/{policy.Version}", "published", null, Resource(row, PolicyVersionStatus.Scheduled, null));
            await db.SaveChangesAsync(ct);
            await db.Database.ExecuteSqlAsync($"select pg_notify({PolicyVersionsFeature.Channel}, '')", ct);
            await transaction.CommitAsync(ct);
        }
        await cache.RefreshAsync(ct);
        return TypedResults.Created($"/api/policies/{Uri.EscapeDataString(provider)}/versions/{Uri.EscapeDataString(row.Version)}", Resource(row, PolicyVersionStatus.Scheduled, null));
    }

    public async Task<Results<Ok<Page<PolicyVersionResource>>, ProblemHttpResult>> ListAsync(string provider, CancellationToken ct)
    {
        if (policies.FromFile(provider) is null) return UnknownProvider(provider);
        var rows = await RowsAsync(provider, ct);
        var status = Status(rows, clock.GetCurrentInstant());
        return TypedResults.Ok(new Page<PolicyVersionResource>([.. rows.Select(r => Resource(r, status[r.Version], null))], null));
    }

    public async Task<Results<Ok<PolicyVersionResource>, ProblemHttpResult>> GetAsync(string provider, string version, CancellationToken ct)
    {
        if (policies.FromFile(provider) is null) return UnknownProvider(provider);
        var rows = await RowsAsync(provider, ct);
        if (rows.FirstOrDefault(r => r.Version == version) is not { } row) return Problems.NotFound($"{provider} has no version '{version}'.");
        return TypedResults.Ok(Resource(row, Status(rows, clock.GetCurrentInstant())[version], row.Yaml));
    }

    /// <summary>Withdraws a version not yet effective; an effective or past one decided calls (or may have): 409.</summary>
    public async Task<Results<NoContent, ProblemHttpResult>> WithdrawAsync(string provider, string version, CancellationToken ct)
    {
        if (policies.FromFile(provider) is null) return UnknownProvider(provider);
        var now = clock.GetCurrentInstant();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        PolicyVersionRow? row = null;
        await using (var select = new NpgsqlCommand($"select {PolicyVersionRow.Columns} from policy_versions where provider = $1 and version = $2 for update", connection,
            (NpgsqlTransaction)transaction.GetDbTransaction()))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = provider });
            select.Parameters.Add(new NpgsqlParameter { Value = version });
            await using var reader = await select.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct)) row = PolicyVersionRow.Read(reader);
        }
        if (row is null) return Problems.NotFound($"{provider} has no version '{version}'.");
        if (row.WithdrawnAt is not null) return Problems.Conflict("version", $"Version '{version}' was withdrawn at {AdminFormats.Format(row.WithdrawnAt.Value)}.");
        if (row.EffectiveFrom <= now)
            return Problems.Conflict("version", $"Version '{version}' took effect at {AdminFormats.Format(row.EffectiveFrom)}; it is the record of the calls it decided and cannot be withdrawn.");
        var by = audit.Actor.Name;
        await db.Database.ExecuteSqlAsync($"update policy_versions set withdrawn_at = {now}, withdrawn_by = {by} where provider = {provider} and version = {version}", ct);
        audit.Record("policyVersion", $"{provider}/{version}", "withdrawn", Resource(row, PolicyVersionStatus.Scheduled, null), Resource(row with { WithdrawnAt = now, WithdrawnBy = by }, PolicyVersionStatus.Withdrawn, null));
        await db.SaveChangesAsync(ct);
        await db.Database.ExecuteSqlAsync($"select pg_notify({PolicyVersionsFeature.Channel}, '')", ct);
        await transaction.CommitAsync(ct);
        await cache.RefreshAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>Every version of <paramref name="provider"/> in effect order (withdrawn ones included).</summary>
    public async Task<IReadOnlyList<PolicyVersionRow>> RowsAsync(string provider, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var command = new NpgsqlCommand(
            $"select {PolicyVersionRow.Columns} from policy_versions where provider = $1 order by effective_from, version", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = provider });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<PolicyVersionRow>();
        while (await reader.ReadAsync(ct)) rows.Add(PolicyVersionRow.Read(reader));
        return rows;
    }

    private static IReadOnlyDictionary<string, string> Status(IReadOnlyList<PolicyVersionRow> rows, Instant now) =>
        PolicyVersionStatus.Of(rows.Select(r => (r.Version, r.EffectiveFrom, r.WithdrawnAt is not null)), now);

    public static PolicyVersionResource Resource(PolicyVersionRow r, string status, string? yaml) =>
        new(r.Provider, r.Version, AdminFormats.Format(r.EffectiveFrom), r.Source, r.PublishedBy, AdminFormats.Format(r.PublishedAt),
            r.WithdrawnAt is { } w ? AdminFormats.Format(w) : null, r.WithdrawnBy, status, yaml);

    /// <summary>422: the draft failed validation; <c>errors</c> per field, and <c>lines</c> listing the YAML's problems with their line numbers.</summary>
    public static ProblemHttpResult Unprocessable(IReadOnlyList<PolicyDraft.Problem> problems)
    {
        var errors = problems.GroupBy(p => p.Field).ToDictionary(g => g.Key,
            g => g.Select(p => p.Line is { } line ? $"line {line}: {p.Message}" : p.Message).ToArray(), StringComparer.Ordinal);
        var details = new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "The policy version is not valid.",
            Detail = "Nothing was published; see errors (and lines for the YAML's problems with their line numbers).",
        };
        details.Extensions["lines"] = problems.Where(p => p.Line is not null).Select(p => new { line = p.Line, message = p.Message }).ToArray();
        return TypedResults.Problem(details);
    }

    private ProblemHttpResult UnknownProvider(string provider) =>
        Problems.NotFound($"'{provider}' is not a provider with a loaded policy; one of: {string.Join(", ", policies.Files.Select(p => p.Provider))}.");
}

/// <summary>
/// Every instance's copy of the published versions, laid into the <see cref="PolicyCatalog"/> (so every decision, price,
/// SLA clock and policy query of a call uses the version effective at its answered instant). At start-up it first records
/// this instance's files as versions (decision 018: on conflict do nothing, so several instances starting together insert
/// each once; a file whose <c>version:</c> is stored with different text is logged as an error and the stored history is
/// kept). Reloaded on the <see cref="PolicyVersionsFeature.Channel"/> notification and every <see cref="PollEvery"/>, like
/// the closures; a version is published before it takes effect, so every instance holds it by then.
/// </summary>
public sealed class PolicyVersionCache(NpgsqlDataSource dataSource, PolicyCatalog policies, IOptions<PhoneSupportOptions> options, IClock clock, TimeProvider time,
    ILogger<PolicyVersionCache> logger)
    : Platform.NotifiedReload(dataSource, time, logger)
{
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly Dictionary<(string, string), (string Yaml, SupportPolicy? Policy)> _parsed = [];
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next reload has swapped the versions into the catalog (tests wait on it).</summary>
    public Task NextRefresh => _next.Task;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RecordFilesAsync(cancellationToken);
            await RefreshAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            Logger.LogError(e, "Loading the policy versions failed; the files alone decide until the reload succeeds");
        }
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Inserts each file's version (effective from now: the first start that sees it) unless stored; checks stored text.</summary>
    public async Task RecordFilesAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        foreach (var file in policies.Files)
        {
            var path = Path.Combine(options.Value.FlowsDirectory(), file.FileName);
            if (!File.Exists(path)) continue;
            var text = await File.ReadAllTextAsync(path, ct);
            await using var command = DataSource.CreateCommand("""
                with i as (
                    insert into policy_versions (provider, version, effective_from, yaml, source, published_by, published_at)
                    values ($1, $2, $3, $4, 'file', $5, $3)
                    on conflict (provider, version) do nothing returning 1),
                n as (select pg_notify('policy_versions_changed', '') from i)
                select (select count(*) from i)::int, (select yaml from policy_versions where provider = $1 and version = $2), (select count(*) from n)::int
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = file.Provider });
            command.Parameters.Add(new NpgsqlParameter { Value = file.Version });
            command.Parameters.Add(new NpgsqlParameter { Value = now });
            command.Parameters.Add(new NpgsqlParameter { Value = text });
            command.Parameters.Add(new NpgsqlParameter { Value = "file " + Path.GetFileName(file.FileName) });
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (reader.GetInt32(0) == 1)
                Logger.LogInformation("Policy {Provider} {Version} from {File} recorded as a version effective from {At}", file.Provider, file.Version, file.FileName, now);
            else if (!reader.IsDBNull(1) && reader.GetString(1) != text)
                Logger.LogError("Policy file {File} says version {Version} of {Provider}, but that version was published with different text; the stored version " +
                    "is kept as published (history is not rewritten) and this instance runs its file. Give the changed file a new version: (it takes effect at the next start)",
                    file.FileName, file.Version, file.Provider);
        }
    }

    /// <summary>Reads every version not withdrawn and swaps them into the catalog (one indexed read; versions are few).</summary>
    public override async Task RefreshAsync(CancellationToken ct)
    {
        await _refreshing.WaitAsync(ct);
        try
        {
            var versions = new List<PolicyVersionEntry>();
            await using (var command = DataSource.CreateCommand("select provider, version, effective_from, yaml from policy_versions where withdrawn_at is null order by provider, effective_from"))
            await using (var reader = await command.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                {
                    var (provider, version, yaml) = (reader.GetString(0), reader.GetString(1), reader.GetString(3));
                    if (policies.FromFile(provider) is null) continue;
                    if (!_parsed.TryGetValue((provider, version), out var parsed) || parsed.Yaml != yaml)
                    {
                        var (policy, errors) = PolicyParser.Parse($"{provider}.policy.yaml", yaml);
                        if (errors.Count > 0)
                            Logger.LogError("Stored policy version {Provider} {Version} does not parse here ({Errors}); left out", provider, version, string.Join("; ", errors));
                        _parsed[(provider, version)] = parsed = (yaml, policy?.Provider == provider && policy.Version == version ? policy : null);
                    }
                    if (parsed.Policy is { } p) versions.Add(new PolicyVersionEntry(p, reader.GetFieldValue<Instant>(2)));
                }
            policies.UseVersions(versions);
            Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
        finally
        {
            _refreshing.Release();
        }
    }

    protected override string Channel => PolicyVersionsFeature.Channel;

    protected override string What => "Policy versions";
}
