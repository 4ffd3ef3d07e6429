using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Domain.Reports;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Reports;

public static class ReportEndpoints
{
    public static RouteGroupBuilder MapReports(this RouteGroupBuilder api)
    {
        api.MapGet("/reports/service", ([AsParameters] ReportQuery query, ReportsHandler handler, CancellationToken ct) => handler.ServiceAsync(query, ct))
            .RequireAuthorization(ReportPolicies.Reports).WithTags("Reports").ProducesValidationProblem();
        api.MapGet("/reports/service.csv", ([AsParameters] ReportQuery query, HttpContext http, ReportsHandler handler, CancellationToken ct) => handler.ServiceCsvAsync(query, http, ct))
            .RequireAuthorization(ReportPolicies.Reports).WithTags("Reports").Produces<string>(StatusCodes.Status200OK, "text/csv").ProducesValidationProblem();
        api.MapGet("/reports/revenue", ([AsParameters] ReportQuery query, ReportsHandler handler, CancellationToken ct) => handler.RevenueAsync(query, ct))
            .RequireAuthorization(ReportPolicies.Revenue).WithTags("Reports").ProducesValidationProblem();
        api.MapGet("/reports/revenue.csv", ([AsParameters] ReportQuery query, HttpContext http, ReportsHandler handler, CancellationToken ct) => handler.RevenueCsvAsync(query, http, ct))
            .RequireAuthorization(ReportPolicies.Revenue).WithTags("Reports").Produces<string>(StatusCodes.Status200OK, "text/csv").ProducesValidationProblem();
        api.MapGet("/reports/allowances", ([AsParameters] AllowanceQuery query, ReportsHandler handler, CancellationToken ct) => handler.AllowancesAsync(query, ct))
            .RequireAuthorization(ReportPolicies.Reports).WithTags("Reports").ProducesValidationProblem();
        api.MapGet("/reports/allowances.csv", ([AsParameters] AllowanceQuery query, HttpContext http, ReportsHandler handler, CancellationToken ct) => handler.AllowancesCsvAsync(query, http, ct))
            .RequireAuthorization(ReportPolicies.Reports).WithTags("Reports").Produces<string>(StatusCodes.Status200OK, "text/csv").ProducesValidationProblem();
        foreach (var kind in new[] { "calls", "callbacks", "incidents" })
            api.MapGet($"/{kind}.csv", ([AsParameters] ExportQuery query, HttpContext http, ReportsHandler handler, CancellationToken ct) => handler.ExportAsync(kind, query, http, ct))
                .RequireAuthorization(ReportPolicies.Reports).WithTags("Reports").Produces<string>(StatusCodes.Status200OK, "text/csv").ProducesValidationProblem();
        return api;
    }
}

/// <summary>The report API's authorization policies (API keys): reports for admin, manager and finance; revenue the same three.</summary>
public static class ReportPolicies
{
    public const string Reports = "reports";
    public const string Revenue = "reports-revenue";
}

/// <summary><c>provider</c> (required), <c>from</c>/<c>to</c> local dates in the provider's zone (default the last 30 days), <c>groupBy</c>.</summary>
public sealed record ReportQuery([FromQuery] string? Provider, [FromQuery] string? From, [FromQuery] string? To, [FromQuery] string? GroupBy);

/// <summary><c>provider</c> (required), <c>on</c> (a local date, default today), <c>limit</c> and <c>cursor</c> (a contract number).</summary>
public sealed record AllowanceQuery([FromQuery] string? Provider, [FromQuery] string? On, [FromQuery] string? Limit, [FromQuery] string? Cursor);

/// <summary><c>from</c>/<c>to</c> local dates (required), <c>provider</c> (optional: all; the dates are then UTC days).</summary>
public sealed record ExportQuery([FromQuery] string? Provider, [FromQuery] string? From, [FromQuery] string? To);

public sealed record ServiceReportResource(string Provider, string Zone, string From, string To, string GroupBy, int ServiceLevelThresholdSeconds,
    IReadOnlyList<ServiceRow> Rows);

public sealed record RevenueReportResource(string Provider, string Zone, string From, string To, IReadOnlyList<RevenueRow> Rows);

public sealed record AllowanceReportResource(string Provider, string On, IReadOnlyList<AllowanceRow> Rows, string? Next);

public sealed class ReportsHandler(ReportQueries queries, PolicyCatalog policies, IClock clock, Microsoft.Extensions.Options.IOptions<ReportOptions> options)
{
    /// <summary>The longest range a report or export reads (days).</summary>
    public const int MaxDays = 400;

    public static readonly string[] ServiceHeader =
    [
        "period", "provider", "plan", "severity", "offered", "answeredLive", "answeredWithinTarget", "abandoned", "abandonedInIvr", "abandonedInQueue",
        "callbacksPromised", "callbacksKeptOnTime", "callbacksLate", "callbacksMissed", "slaMet", "slaMissed", "avgSpeedOfAnswerSeconds",
        "p90SpeedOfAnswerSeconds", "avgTalkSeconds", "avgHandleSeconds", "serviceLevelPercent", "slaMetPercent", "callbacksOnTimePercent",
    ];

    public static readonly string[] RevenueHeader = ["month", "provider", "window", "currency", "charges", "billed", "paid", "waived", "refunded"];

    public static readonly string[] AllowanceHeader =
        ["contractNumber", "accountId", "accountName", "provider", "yearStartsOn", "yearEndsOn", "included", "used", "inProgress", "left"];

    private string ProviderList => string.Join(", ", policies.Policies.Select(p => p.Provider));

    /// <summary>Reads and checks a report's provider, range and grouping (every error named); null with <paramref name="errors"/> set otherwise.</summary>
    public ReportRange? Range(string? providerText, string? fromText, string? toText, string? groupByText, FieldErrors errors, bool providerRequired = true)
    {
        SupportPolicy? policy = null;
        if (string.IsNullOrWhiteSpace(providerText))
        {
            if (providerRequired) errors.Add("provider", $"Required: one of {ProviderList}.");
        }
        else if ((policy = policies.For(providerText)) is null)
            errors.Add("provider", $"'{providerText}' is not a provider; one of: {ProviderList}.");
        if (!ReportPeriods.TryParse(groupByText, out var grouping))
            errors.Add("groupBy", $"'{groupByText}' is not a grouping; one of: day, week, month, plan, severity.");
        var zone = policy?.Coverage.Zone ?? DateTimeZone.Utc;
        var today = ReportPeriods.LocalDay(clock.GetCurrentInstant(), zone);
        var to = string.IsNullOrWhiteSpace(toText) ? today : AdminFormats.Date(toText, "to", errors);
        var from = string.IsNullOrWhiteSpace(fromText) ? to?.PlusDays(-29) : AdminFormats.Date(fromText, "from", errors);
        if (from is { } f && to is { } t)
        {
            if (f > t) errors.Add("from", "Must be on or before 'to'.");
            else if (Period.DaysBetween(f, t) >= MaxDays) errors.Add("to", $"A report covers at most {MaxDays} days.");
        }
        if (errors.Any || from is null || to is null) return null;
        return new ReportRange(policy?.Provider ?? "", zone, from.Value, to.Value, grouping);
    }

    public async Task<Results<Ok<ServiceReportResource>, ProblemHttpResult>> ServiceAsync(ReportQuery query, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (Range(query.Provider, query.From, query.To, query.GroupBy, errors) is not { } range) return Problems.Validation(errors);
        var rows = await queries.ServiceAsync(range, ct);
        return TypedResults.Ok(new ServiceReportResource(range.Provider, range.Zone.Id, AdminFormats.Format(range.From), AdminFormats.Format(range.To),
            query.GroupBy is { Length: > 0 } g ? g : "day", (int)options.Value.ServiceLevelThreshold.TotalSeconds, rows));
    }

    public async Task<IResult> ServiceCsvAsync(ReportQuery query, HttpContext http, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (Range(query.Provider, query.From, query.To, query.GroupBy, errors) is not { } range) return Problems.Validation(errors);
        var rows = await queries.ServiceAsync(range, ct);
        return await CsvAsync(http, "service-report.csv", ServiceHeader, rows.Select(ServiceLine), ct);
    }

    public static IReadOnlyList<string?> ServiceLine(ServiceRow r) =>
    [
        r.Period, r.Provider, r.Plan, N(r.Severity), N(r.Offered), N(r.AnsweredLive), N(r.AnsweredWithinTarget), N(r.Abandoned), N(r.AbandonedInIvr),
        N(r.AbandonedInQueue), N(r.CallbacksPromised), N(r.CallbacksKeptOnTime), N(r.CallbacksLate), N(r.CallbacksMissed), N(r.SlaMet), N(r.SlaMissed),
        D(r.AvgSpeedOfAnswerSeconds), D(r.P90SpeedOfAnswerSeconds), D(r.AvgTalkSeconds), D(r.AvgHandleSeconds), D(r.ServiceLevelPercent),
        D(r.SlaMetPercent), D(r.CallbacksOnTimePercent),
    ];

    public async Task<Results<Ok<RevenueReportResource>, ProblemHttpResult>> RevenueAsync(ReportQuery query, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (Range(query.Provider, query.From, query.To, query.GroupBy, errors) is not { } range) return Problems.Validation(errors);
        return TypedResults.Ok(new RevenueReportResource(range.Provider, range.Zone.Id, AdminFormats.Format(range.From), AdminFormats.Format(range.To),
            await queries.RevenueAsync(range, ct)));
    }

    public async Task<IResult> RevenueCsvAsync(ReportQuery query, HttpContext http, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (Range(query.Provider, query.From, query.To, query.GroupBy, errors) is not { } range) return Problems.Validation(errors);
        var rows = await queries.RevenueAsync(range, ct);
        return await CsvAsync(http, "revenue-report.csv", RevenueHeader,
            rows.Select(r => (IReadOnlyList<string?>)[r.Month, r.Provider, r.Window, r.Currency, N(r.Charges), N(r.Billed), N(r.Paid), N(r.Waived), N(r.Refunded)]), ct);
    }

    private async Task<(AllowanceReportResource? Report, ProblemHttpResult? Problem)> ReadAllowancesAsync(AllowanceQuery query, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var policy = string.IsNullOrWhiteSpace(query.Provider) ? null : policies.For(query.Provider);
        if (policy is null)
            errors.Add("provider", string.IsNullOrWhiteSpace(query.Provider) ? $"Required: one of {ProviderList}."
                : $"'{query.Provider}' is not a provider; one of: {ProviderList}.");
        var on = string.IsNullOrWhiteSpace(query.On) ? ReportPeriods.LocalDay(clock.GetCurrentInstant(), policy?.Coverage.Zone ?? DateTimeZone.Utc)
            : AdminFormats.Date(query.On, "on", errors);
        var limit = AdminFormats.Limit(query.Limit, errors);
        if (query.Cursor is { Length: > 0 } c && !AdminFormats.IsIdentityNumber(c)) errors.Add("cursor", $"'{c}' is not a contract number.");
        if (errors.Any || policy is null || on is null) return (null, Problems.Validation(errors));
        var rows = await queries.AllowancesAsync(policy.Provider, policy, on.Value, query.Cursor, limit, ct);
        return (new AllowanceReportResource(policy.Provider, AdminFormats.Format(on.Value), rows, rows.Count == limit ? rows[^1].ContractNumber : null), null);
    }

    public async Task<Results<Ok<AllowanceReportResource>, ProblemHttpResult>> AllowancesAsync(AllowanceQuery query, CancellationToken ct)
    {
        var (report, problem) = await ReadAllowancesAsync(query, ct);
        return report is null ? problem! : TypedResults.Ok(report);
    }

    public async Task<IResult> AllowancesCsvAsync(AllowanceQuery query, HttpContext http, CancellationToken ct)
    {
        var (report, problem) = await ReadAllowancesAsync(query, ct);
        if (report is null) return problem!;
        return await CsvAsync(http, "allowances.csv", AllowanceHeader, report.Rows.Select(r => (IReadOnlyList<string?>)[r.ContractNumber, r.AccountId.ToString(),
            r.AccountName, r.Provider, r.YearStartsOn, r.YearEndsOn, N(r.Included), N(r.Used), N(r.InProgress), N(r.Left)]), ct);
    }

    public static readonly string[] CallsHeader =
    [
        "callSid", "provider", "accountId", "plan", "severity", "decision", "window", "startedAt", "endedAt", "durationSeconds", "twilioStatus",
        "callerHungUp", "offeredAt", "queued", "answeredAt", "speedOfAnswerSeconds", "talkSeconds", "callbackPromised",
    ];

    public static readonly string[] CallbacksHeader =
        ["id", "provider", "accountId", "callSid", "reason", "priority", "status", "createdAt", "dueAt", "connectedAt", "keptOnTime", "attempts", "atRisk"];

    public static readonly string[] IncidentsHeader =
    [
        "id", "provider", "accountId", "contractId", "callSid", "decision", "window", "status", "openedAt", "closedAt", "talkSeconds",
        "slaPlan", "slaSeverity", "slaTarget", "slaClock", "slaDueAt", "slaFirstContactAt", "slaMet",
    ];

    public async Task<IResult> ExportAsync(string kind, ExportQuery query, HttpContext http, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(query.From)) errors.Add("from", "Required: a date like 2026-01-15 (YYYY-MM-DD).");
        if (string.IsNullOrWhiteSpace(query.To)) errors.Add("to", "Required: a date like 2026-01-15 (YYYY-MM-DD).");
        if (Range(query.Provider, query.From, query.To, null, errors, providerRequired: false) is not { } range) return Problems.Validation(errors);
        var provider = range.Provider.Length > 0 ? range.Provider : null;
        return kind switch
        {
            "calls" => await CsvAsync(http, "calls.csv", CallsHeader, queries.CallsAsync(provider, range.Span, ct).Select(c => (IReadOnlyList<string?>)
            [
                c.CallSid, c.Provider, c.AccountId?.ToString(), c.Plan, c.Severity, c.Decision, c.Window, F(c.StartedAt), F(c.EndedAt), N(c.DurationSeconds), c.TwilioStatus,
                B(c.CallerHungUp), F(c.OfferedAt), B(c.Queued), F(c.AnsweredAt),
                c.OfferedAt is { } o && c.AnsweredAt is { } a ? N((long)Math.Max(0, Math.Floor((a - o).TotalSeconds))) : null, N(c.TalkSeconds), B(c.CallbackPromised),
            ]), ct),
            "callbacks" => await CsvAsync(http, "callbacks.csv", CallbacksHeader, queries.CallbacksAsync(provider, range.Span, ct).Select(b => (IReadOnlyList<string?>)
            [
                b.Id.ToString(), b.Provider, b.AccountId?.ToString(), b.CallSid, b.Reason, N(b.Priority), b.Status, F(b.CreatedAt), F(b.DueAt), F(b.ConnectedAt),
                b.Status == "completed" ? B(b.ConnectedAt is { } at && at <= b.DueAt) : null, N(b.Attempts), B(b.AtRisk),
            ]), ct),
            _ => await CsvAsync(http, "incidents.csv", IncidentsHeader, queries.IncidentsAsync(provider, range.Span, ct).Select(i => (IReadOnlyList<string?>)
            [
                i.Id.ToString(), i.Provider, i.AccountId?.ToString(), i.ContractId?.ToString(), i.CallSid, i.Decision, i.Window, i.Status, F(i.OpenedAt), F(i.ClosedAt),
                N(i.TalkSeconds), i.SlaPlan, N(i.SlaSeverity), i.SlaTarget, i.SlaClock, F(i.SlaDueAt), F(i.SlaFirstContactAt), B(i.SlaMet),
            ]), ct),
        };
    }

    private static async Task<IResult> CsvAsync(HttpContext http, string fileName, string[] header, IEnumerable<IReadOnlyList<string?>> rows, CancellationToken ct) =>
        await CsvAsync(http, fileName, header, rows.ToAsyncEnumerable(), ct);

    /// <summary>RFC 4180 with the formula guard of <see cref="Billing.ChargeCsv"/>; the header is the API's field names.</summary>
    private static async Task<IResult> CsvAsync(HttpContext http, string fileName, string[] header, IAsyncEnumerable<IReadOnlyList<string?>> rows, CancellationToken ct)
    {
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), leaveOpen: true);
        await writer.WriteAsync(Billing.ChargeCsv.Line(header));
        await foreach (var row in rows.WithCancellation(ct)) await writer.WriteAsync(Billing.ChargeCsv.Line(row));
        await writer.FlushAsync(ct);
        return Results.Empty;
    }

    private static string? N(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? D(double? value) => value?.ToString("0.0", CultureInfo.InvariantCulture);

    private static string? B(bool? value) => value switch { null => null, true => "true", false => "false" };

    private static string? F(Instant? instant) => instant is { } i ? InstantPattern.ExtendedIso.Format(i) : null;
}
