using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Domain.Reports;
using PhoneSupport.Features.Admin;
using PhoneSupport.Features.Platform;
using PhoneSupport.Features.Reports;

namespace PhoneSupport.Features.Console.Pages.Reports;

/// <summary>
/// Reports for managers, finance and admins: calls offered/answered/abandoned per day, service level and SLA met over time,
/// callbacks kept on time, revenue per month by window — each an SVG chart with its table. The range is checked by the
/// report API's own rules (<see cref="ReportsHandler.Range"/>), dates are local to the provider.
/// </summary>
public sealed class ReportsModel(ReportsHandler reports, ReportQueries queries, PolicyCatalog policies) : PageModel
{
    [FromQuery(Name = "provider")] public string? Provider { get; set; }
    [FromQuery(Name = "from")] public string? From { get; set; }
    [FromQuery(Name = "to")] public string? To { get; set; }

    public IReadOnlyList<string> Providers => [.. policies.Policies.Select(p => p.Provider)];
    public ReportRange? Range { get; private set; }
    public IReadOnlyList<string> Days { get; private set; } = [];
    public IReadOnlyDictionary<string, ServiceRow> ByDay { get; private set; } = new Dictionary<string, ServiceRow>();
    public ServiceRow? Total { get; private set; }
    public IReadOnlyList<RevenueRow> Revenue { get; private set; } = [];
    public Dictionary<string, string[]> Errors { get; } = [];

    public string Query => $"provider={Uri.EscapeDataString(Range?.Provider ?? "")}&from={AdminFormats.Format(Range!.From)}&to={AdminFormats.Format(Range.To)}";

    public async Task OnGetAsync(CancellationToken ct)
    {
        Provider ??= Providers.FirstOrDefault();
        var errors = new FieldErrors();
        Range = reports.Range(Provider, From, To, "day", errors);
        if (Range is null)
        {
            foreach (var (field, messages) in errors.ToDictionary()) Errors[field] = messages;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        From ??= AdminFormats.Format(Range.From);
        To ??= AdminFormats.Format(Range.To);
        var rows = await queries.ServiceAsync(Range, ct);
        Days = ReportPeriods.All(Range.From, Range.To, ReportGrouping.Day);
        ByDay = rows.ToDictionary(r => r.Period);
        Total = (await queries.ServiceAsync(Range with { Grouping = ReportGrouping.Plan }, ct)) is { Count: > 0 } plans ? Sum(plans) : null;
        Revenue = await queries.RevenueAsync(Range, ct);
    }

    private static ServiceRow Sum(IReadOnlyList<ServiceRow> rows) => rows[0] with
    {
        Plan = null, Offered = rows.Sum(r => r.Offered), AnsweredLive = rows.Sum(r => r.AnsweredLive), AnsweredWithinTarget = rows.Sum(r => r.AnsweredWithinTarget),
        Abandoned = rows.Sum(r => r.Abandoned), SlaMet = rows.Sum(r => r.SlaMet), SlaMissed = rows.Sum(r => r.SlaMissed),
        CallbacksKeptOnTime = rows.Sum(r => r.CallbacksKeptOnTime), CallbacksLate = rows.Sum(r => r.CallbacksLate), CallbacksMissed = rows.Sum(r => r.CallbacksMissed),
    };

    public ServiceRow? Day(string day) => ByDay.GetValueOrDefault(day);

    public double? Of(string day, Func<ServiceRow, double?> figure) => Day(day) is { } r ? figure(r) : null;

    public string CallsChart() => SvgCharts.Bars("chart-calls", "Calls offered, answered and abandoned per day",
        $"{Range!.Provider}, {From} to {To}: {Total?.Offered ?? 0} offered, {Total?.AnsweredLive ?? 0} answered live, {Total?.Abandoned ?? 0} abandoned. The table below lists each day.",
        Days, [
            new("Offered", "c1", [.. Days.Select(d => (double?)(Day(d)?.Offered ?? 0))]),
            new("Answered", "c2", [.. Days.Select(d => (double?)(Day(d)?.AnsweredLive ?? 0))]),
            new("Abandoned", "c3", [.. Days.Select(d => (double?)(Day(d)?.Abandoned ?? 0))]),
        ]);

    public string LevelsChart() => SvgCharts.Lines("chart-levels", "Service level and SLA met, percent per day",
        $"Service level (answered within the target / offered) and SLA targets met / (met + missed), per day; days without calls or targets have no point. Over the range: service level {Percent(Total?.ServiceLevelPercent)}, SLA met {Percent(Total?.SlaMetPercent)}.",
        Days, [
            new("Service level %", "c1", [.. Days.Select(d => Of(d, r => r.ServiceLevelPercent))]),
            new("SLA met %", "c2", [.. Days.Select(d => Of(d, r => r.SlaMetPercent))]),
        ], max: 100, unit: "%");

    public string CallbacksChart() => SvgCharts.Bars("chart-callbacks", "Callbacks kept on time, late and missed per day due",
        $"Over the range: {Total?.CallbacksKeptOnTime ?? 0} kept on time, {Total?.CallbacksLate ?? 0} late, {Total?.CallbacksMissed ?? 0} missed.",
        Days, [
            new("Kept on time", "c2", [.. Days.Select(d => (double?)(Day(d)?.CallbacksKeptOnTime ?? 0))]),
            new("Late", "c4", [.. Days.Select(d => (double?)(Day(d)?.CallbacksLate ?? 0))]),
            new("Missed", "c3", [.. Days.Select(d => (double?)(Day(d)?.CallbacksMissed ?? 0))]),
        ]);

    public IReadOnlyList<string> Months => ReportPeriods.All(Range!.From, Range.To, ReportGrouping.Month);

    public string RevenueChart()
    {
        var windows = Revenue.Select(r => r.Window).Distinct().Order(StringComparer.Ordinal).ToList();
        var currency = Revenue.Select(r => r.Currency).FirstOrDefault() ?? "";
        string[] classes = ["c1", "c2", "c4", "c3", "c5"];
        return SvgCharts.Bars("chart-revenue", "Revenue billed per month by window",
            $"Billed amounts ({currency.ToUpperInvariant()}, major units) per month of the range, one bar per window: {string.Join(", ", windows)}. The table below has billed, paid, waived and refunded.",
            Months, [.. windows.Select((w, i) => new ChartSeries(w, classes[i % classes.Length],
                [.. Months.Select(m => (double?)(Revenue.Where(r => r.Month == m && r.Window == w).Sum(r => r.Billed) / 100.0))]))]);
    }

    public static string Percent(double? value) => value is { } v ? v.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " %" : "—";

    public static string Seconds(double? value) => value is { } v ? v.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s" : "—";

    public bool HasError(string field) => Errors.ContainsKey(field);

    public string? ErrorOf(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;
}
