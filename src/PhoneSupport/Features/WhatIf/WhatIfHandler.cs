using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Data;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.WhatIf;

/// <summary>
/// <c>POST /api/policies/{provider}/what-if</c>: a draft policy (<see cref="Yaml"/>, validated like the policy files) or a version
/// (<see cref="Version"/>), and the period [<see cref="From"/>, <see cref="To"/>): instants, or local dates of the provider's zone
/// (the start of that day).
/// </summary>
public sealed record WhatIfRequest(
    [property: TextLimit(WhatIfHandler.MaxYaml, MultiLine = true)] string? Yaml,
    string? Version,
    string? From,
    string? To);

/// <summary>The totals; <see cref="Before"/> and <see cref="After"/> repeat the billed amounts under the names of the shared API (docs: API.md).</summary>
public sealed record WhatIfTotalsResource(
    int Calls, long BilledBefore, long BilledAfter, long BilledDifference, string Currency, int SlaMetBefore, int SlaMetAfter, int SlaMissedBefore,
    int SlaMissedAfter, int RoutedDifferently, int DecisionsChanged, int Unexplained)
{
    public long Before => BilledBefore;

    public long After => BilledAfter;
}

/// <summary>One side of a call (what happened, or the draft) in the shape of the shared API: window, decision, amount billed, SLA due.</summary>
public sealed record WhatIfSideResource(string Window, string Decision, long Amount, string? SlaDueAt);

public sealed record WhatIfAccountResource(
    string? AccountId, string Name, int Calls, long BilledBefore, long BilledAfter, long Difference, int SlaMetBefore, int SlaMetAfter, int SlaMissedBefore,
    int SlaMissedAfter);

public sealed record WhatIfCallResource(
    string CallSid, string AnsweredAt, string? AccountId, string WindowBefore, string WindowAfter, string DecisionBefore, string DecisionAfter,
    long BilledBefore, long BilledAfter, string? SlaDueBefore, string? SlaDueAfter, bool? SlaMetBefore, bool? SlaMetAfter, bool RoutedDifferently)
{
    public WhatIfSideResource Before => new(WindowBefore, DecisionBefore, BilledBefore, SlaDueBefore);

    public WhatIfSideResource After => new(WindowAfter, DecisionAfter, BilledAfter, SlaDueAfter);
}

public sealed record WhatIfUnexplainedResource(string CallSid, string Reason);

/// <summary>How long the answer took on the server: reading the facts, and replaying them under both policies.</summary>
public sealed record WhatIfTimingsResource(long LoadMilliseconds, long ReplayMilliseconds);

/// <summary>
/// The answer: totals, per account, the calls (one page: <see cref="CallCount"/> in all, <see cref="Page"/> of <see cref="Limit"/>) and
/// every call the current policy does not replay as it happened (<see cref="Unexplained"/>).
/// </summary>
public sealed record WhatIfResource(
    string Provider, string From, string To, string Zone, string DraftVersion, string CurrentVersion, WhatIfTotalsResource Totals,
    IReadOnlyList<WhatIfAccountResource> Accounts, int CallCount, int Page, int Limit, IReadOnlyList<WhatIfCallResource> Calls,
    IReadOnlyList<WhatIfUnexplainedResource> Unexplained, WhatIfTimingsResource Timings);

/// <summary>A what-if that ran: the policies, the period, the domain's result and the names of the accounts.</summary>
public sealed record WhatIfRun(
    SupportPolicy Current, SupportPolicy Draft, Instant From, Instant To, WhatIfResult Result, IReadOnlyDictionary<Guid, string> AccountNames,
    WhatIfTimingsResource Timings)
{
    public string Name(Guid? accountId) => accountId is { } id ? AccountNames.GetValueOrDefault(id, id.ToString()) : "(no account)";

    public WhatIfResource Resource(int page, int limit)
    {
        var r = Result;
        var t = r.Totals;
        return new WhatIfResource(Current.Provider, AdminFormats.Format(From), AdminFormats.Format(To), Current.Coverage.Zone.Id, Draft.Version, Current.Version,
            new WhatIfTotalsResource(t.Calls, t.BilledBefore, t.BilledAfter, t.Difference, r.Currency, t.SlaMetBefore, t.SlaMetAfter, t.SlaMissedBefore,
                t.SlaMissedAfter, t.RoutedDifferently, t.DecisionsChanged, r.Unexplained.Count),
            [.. r.Accounts.Select(a => new WhatIfAccountResource(a.AccountId?.ToString(), Name(a.AccountId), a.Totals.Calls, a.Totals.BilledBefore, a.Totals.BilledAfter,
                a.Totals.Difference, a.Totals.SlaMetBefore, a.Totals.SlaMetAfter, a.Totals.SlaMissedBefore, a.Totals.SlaMissedAfter))],
            r.Rows.Count, page, limit, [.. r.Rows.Skip((int)Math.Min(int.MaxValue, (long)(page - 1) * limit)).Take(limit).Select(Call)],
            [.. r.Unexplained.Select(u => new WhatIfUnexplainedResource(u.CallSid, u.Reason))], Timings);
    }

    public static WhatIfCallResource Call(WhatIfRow row) => new(
        row.Call.CallSid, AdminFormats.Format(row.Call.AnsweredAt), row.Call.AccountId?.ToString(), row.Call.Recorded.Window.Name(), row.After.Window.Name(),
        row.Call.Recorded.Decision.Name(), row.After.Decision.Name(), row.Call.Recorded.Billed, row.After.Billed,
        row.Call.Recorded.SlaDue is { } before ? AdminFormats.Format(before) : null, row.After.SlaDue is { } after ? AdminFormats.Format(after) : null,
        row.SlaMetBefore, row.After.SlaMet, row.RoutedDifferently);

    public static readonly string[] CsvHeader =
    [
        "callSid", "answeredAt", "accountId", "accountName", "windowBefore", "windowAfter", "decisionBefore", "decisionAfter", "billedBefore", "billedAfter",
        "difference", "currency", "slaDueBefore", "slaDueAfter", "slaMetBefore", "slaMetAfter", "routedDifferently",
    ];

    public IEnumerable<IReadOnlyList<string?>> CsvLines() => Result.Rows.Select(row =>
    {
        var c = Call(row);
        return (IReadOnlyList<string?>)
        [
            c.CallSid, c.AnsweredAt, c.AccountId, Name(row.Call.AccountId), c.WindowBefore, c.WindowAfter, c.DecisionBefore, c.DecisionAfter,
            N(c.BilledBefore), N(c.BilledAfter), N(row.Difference), Result.Currency, c.SlaDueBefore, c.SlaDueAfter, B(c.SlaMetBefore), B(c.SlaMetAfter),
            B(c.RoutedDifferently),
        ];
    });

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string? B(bool? value) => value switch { null => null, true => "true", false => "false" };
}

/// <summary>
/// Runs a what-if (decision 019): resolves the draft (YAML validated exactly as the policy files are, or a version), checks the
/// period, loads the period's facts in one round trip, replays them under the current policy and the draft (pure), and records
/// the request in the audit log — the only row it writes.
/// </summary>
public sealed partial class WhatIfHandler(PhoneSupportDb db, WhatIfFacts facts, PolicyCatalog policies, Audit.AuditLog audit, IClock clock, TimeProvider time)
{
    public const int MaxYaml = 100_000;
    public const int MaxDays = 92;
    public const int DefaultLimit = 500;
    public const int MaxLimit = 5_000;

    /// <summary>The validation problem, or the run.</summary>
    public async Task<(WhatIfRun? Run, ProblemHttpResult? Problem)> RunAsync(string provider, WhatIfRequest body, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return (null, refused);
        if (policies.For(provider) is not { } current)
            return (null, Problems.NotFound($"No provider '{provider}'; one of: {string.Join(", ", policies.Policies.Select(p => p.Provider))}."));
        var errors = new FieldErrors();
        var (yaml, version) = (string.IsNullOrWhiteSpace(body.Yaml) ? null : body.Yaml, string.IsNullOrWhiteSpace(body.Version) ? null : body.Version.Trim());
        if (yaml is null && version is null) errors.Add("yaml", "Required: the draft policy's YAML, or 'version'.");
        if (yaml is not null && version is not null) errors.Add("version", "Give either 'yaml' or 'version', not both.");
        var zone = current.Coverage.Zone;
        var from = Bound(body.From, "from", zone, errors);
        var to = Bound(body.To, "to", zone, errors);
        if (from is { } f && to is { } t)
        {
            if (f >= t) errors.Add("from", "Must be before 'to'.");
            else if (t - f > Duration.FromDays(MaxDays) + Duration.FromHours(1)) errors.Add("to", $"A what-if covers at most {MaxDays} days.");
        }
        if (errors.Any) return (null, Problems.Validation(errors));

        var (draft, problem) = yaml is not null ? Parse(current, yaml) : Version(current, version!);
        if (problem is not null) return (null, problem);
        // Run-time closures are the calendar every call was decided on: the draft is laid over the same ones.
        draft = draft! with { Coverage = draft.Coverage.WithClosures(current.Coverage.Closures) };

        var started = time.GetTimestamp();
        var set = await facts.LoadAsync(provider, from!.Value, to!.Value, ct);
        var loaded = time.GetTimestamp();
        // Reality is replayed under the version that decided each call (decision 018), so a period spanning a change replays as it happened.
        var result = Domain.Policies.WhatIf.Compare(c => policies.Decided(provider, c.Recorded.PolicyVersion, c.AnsweredAt) ?? current, draft, set.Calls,
            set.PriorUses, clock.GetCurrentInstant());
        var run = new WhatIfRun(current, draft, from.Value, to.Value, result, set.AccountNames,
            new WhatIfTimingsResource((long)time.GetElapsedTime(started, loaded).TotalMilliseconds, (long)time.GetElapsedTime(loaded).TotalMilliseconds));

        var totals = run.Resource(1, 1).Totals;
        audit.Record("policy", provider, "whatIf", null, new
        {
            provider, from = AdminFormats.Format(from.Value), to = AdminFormats.Format(to.Value), draftVersion = draft.Version, currentVersion = current.Version,
            draft = yaml is not null ? "yaml" : "version", totals,
        });
        await db.SaveChangesAsync(ct);
        return (run, null);
    }

    /// <summary>
    /// A stored version of the provider's policy (decision 018: the files' versions and those published through the API, a
    /// scheduled one included — trying a version before it takes effect is the point); an unknown one is refused with the
    /// versions there are.
    /// </summary>
    private (SupportPolicy?, ProblemHttpResult?) Version(SupportPolicy current, string version) =>
        policies.Version(current.Provider, version) is { } stored ? (stored, null)
            : (null, Unprocessable("version", [$"Unknown version '{version}' of {current.Provider}; its versions: {string.Join(", ", policies.Versions(current.Provider).Select(v => v.Policy.Version))}."], []));

    /// <summary>The draft, validated exactly as a policy file is (<see cref="PolicyCatalog.Load"/>): every error with its line.</summary>
    private static (SupportPolicy?, ProblemHttpResult?) Parse(SupportPolicy current, string yaml)
    {
        var fileName = $"{current.Provider}.policy.yaml";
        var (catalog, errors) = PolicyCatalog.Load([(fileName, yaml)]);
        if (catalog is null || errors.Count > 0) return (null, YamlProblem(errors));
        var draft = catalog.Policies[0];
        var lines = yaml.Split('\n');
        if (draft.Provider != current.Provider)
            return (null, YamlProblem([new FlowError(fileName, LineOf(lines, "provider"), $"the draft is for provider '{draft.Provider}', not '{current.Provider}'")]));
        if (draft.Currency != current.Currency)
            return (null, YamlProblem([new FlowError(fileName, LineOf(lines, "currency"), $"currency '{draft.Currency}' differs from the current '{current.Currency}': amounts could not be compared")]));
        return (draft, null);
    }

    private static int LineOf(string[] lines, string key)
    {
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].StartsWith(key + ":", StringComparison.Ordinal)) return i + 1;
        return 1;
    }

    private static ProblemHttpResult YamlProblem(IReadOnlyList<FlowError> errors) =>
        Unprocessable("yaml", [.. errors.Select(e => $"line {e.Line}: {e.Message}")], [.. errors.Select(e => new { line = e.Line, message = e.Message })]);

    private static ProblemHttpResult Unprocessable(string field, string[] messages, object[] lines)
    {
        var problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = messages })
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "The draft policy is not valid.",
            Detail = string.Join(" ", messages),
        };
        if (lines.Length > 0) problem.Extensions["lines"] = lines;
        return TypedResults.Problem(problem);
    }

    /// <summary>An instant, or a local date of the provider's zone (its start of day).</summary>
    private static Instant? Bound(string? text, string field, DateTimeZone zone, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(field, "Required: an ISO-8601 UTC instant like 2026-07-01T04:00:00Z, or a date like 2026-07-01 (the start of that day on the line).");
            return null;
        }
        if (DateOnly().IsMatch(text.Trim()))
            return AdminFormats.Date(text, field, errors) is { } date ? zone.AtStartOfDay(date).ToInstant() : null;
        return AdminFormats.Instant(text, field, errors);
    }

    [GeneratedRegex(@"^-?\d{4,}-\d{2}-\d{2}$")]
    private static partial Regex DateOnly();

    /// <summary>The page of calls an API request asks for (<c>page</c> from 1, <c>limit</c> 1–5,000), and whether it wants CSV.</summary>
    public static (int Page, int Limit, bool Csv) Paging(string? page, string? limit, string? format, string? accept, FieldErrors errors)
    {
        var p = 1;
        if (!string.IsNullOrWhiteSpace(page) && !(int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out p) && p >= 1))
        {
            errors.Add("page", $"'{page}' is not a page number from 1.");
            p = 1;
        }
        var l = DefaultLimit;
        if (!string.IsNullOrWhiteSpace(limit) && !(int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out l) && l is >= 1 and <= MaxLimit))
        {
            errors.Add("limit", $"'{limit}' is not a limit from 1 to {MaxLimit}.");
            l = DefaultLimit;
        }
        var csv = false;
        if (!string.IsNullOrWhiteSpace(format))
        {
            if (format is "csv") csv = true;
            else if (format is not "json") errors.Add("format", $"'{format}' is not a format; json or csv.");
        }
        else csv = accept is not null && accept.Contains("text/csv", StringComparison.OrdinalIgnoreCase);
        return (p, l, csv);
    }

    public static async Task WriteCsvAsync(HttpContext http, WhatIfRun run, CancellationToken ct)
    {
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"what-if-{run.Current.Provider}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), leaveOpen: true);
        await writer.WriteAsync(Billing.ChargeCsv.Line(WhatIfRun.CsvHeader));
        foreach (var line in run.CsvLines()) await writer.WriteAsync(Billing.ChargeCsv.Line(line));
        await writer.FlushAsync(ct);
    }

    /// <summary>The first and last instant of the last calendar month before <paramref name="now"/> in <paramref name="zone"/> (the console's default).</summary>
    public static (LocalDate From, LocalDate To) LastMonth(Instant now, DateTimeZone zone)
    {
        var today = now.InZone(zone).Date;
        var first = new LocalDate(today.Year, today.Month, 1);
        return (first.PlusMonths(-1), first);
    }

    public static string Date(LocalDate date) => LocalDatePattern.Iso.Format(date);
}
