using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Configuration;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.WhatIf;

namespace PhoneSupport.Features.Console.Pages.Admin;

/// <summary>
/// What if (issue 17): a draft policy pasted (or the current file as a starting point) replayed over a period of the line's
/// calls through the API's handler — errors with their lines beside the field, the result as totals, a chart and tables per
/// account and per call, and the calls as CSV.
/// </summary>
public sealed class PolicyWhatIfModel(WhatIfHandler handler, PolicyCatalog policies, PolicyVersions.PolicyVersionsHandler versions, IOptions<PhoneSupportOptions> options, IClock clock) : PageModel
{
    /// <summary>How many calls the page lists (the CSV has all).</summary>
    public const int CallsShown = 500;

    public sealed class WhatIfInput
    {
        public string? Provider { get; set; }
        public string? Yaml { get; set; }
        public string? From { get; set; }
        public string? To { get; set; }
    }

    [BindProperty]
    public WhatIfInput Input { get; set; } = new();

    public WhatIfRun? Run { get; private set; }

    public IReadOnlyList<SupportPolicy> Providers => [.. policies.Policies.OrderBy(p => p.Provider, StringComparer.Ordinal)];

    public IEnumerable<string> ErrorsOf(string key) =>
        ModelState.TryGetValue(key, out var entry) ? entry.Errors.Select(e => e.ErrorMessage) : [];

    public bool HasError(string key) => ErrorsOf(key).Any();

    /// <summary>
    /// The form with the provider's current policy file as the draft — or, with <paramref name="version"/>, that stored version's
    /// text (a scheduled one tried before it takes effect; the versions page links here) — and last calendar month (the provider's zone).
    /// </summary>
    public async Task OnGetAsync([FromQuery] string? provider, [FromQuery] string? version, CancellationToken ct)
    {
        var policy = (provider is null ? null : policies.For(provider)) ?? Providers.FirstOrDefault();
        if (policy is null) return;
        var (from, to) = WhatIfHandler.LastMonth(clock.GetCurrentInstant(), policy.Coverage.Zone);
        var yaml = CurrentYaml(policy);
        if (version is { Length: > 0 })
        {
            if ((await versions.GetAsync(policy.Provider, version, ct)).Result is Ok<PolicyVersions.PolicyVersionResource> { Value.Yaml: { } stored }) yaml = stored;
            else ModelState.AddModelError("", $"No version '{version}' of {policy.Provider}: the current policy is the draft.");
        }
        Input = new WhatIfInput { Provider = policy.Provider, Yaml = yaml, From = WhatIfHandler.Date(from), To = WhatIfHandler.Date(to.PlusDays(-1)) };
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (await RunAsync(ct)) return Page();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>The calls of the same what-if as CSV (the form's fields again; one more audit row).</summary>
    public async Task<IActionResult> OnPostCsvAsync(CancellationToken ct)
    {
        if (!await RunAsync(ct))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var lines = string.Concat(new[] { WhatIfRun.CsvHeader }.Concat(Run!.CsvLines()).Select(l => Billing.ChargeCsv.Line(l)));
        return File(System.Text.Encoding.UTF8.GetBytes(lines), "text/csv; charset=utf-8", $"what-if-{Run.Current.Provider}.csv");
    }

    private async Task<bool> RunAsync(CancellationToken ct)
    {
        var to = Input.To is { Length: > 0 } text && LocalDatePattern.Iso.Parse(text.Trim()) is { Success: true } parsed
            ? WhatIfHandler.Date(parsed.Value.PlusDays(1)) : Input.To; // the form's "to" is inclusive
        var (run, problem) = await handler.RunAsync(Input.Provider ?? "", new WhatIfRequest(Input.Yaml, null, Input.From, to), ct);
        if (problem is null)
        {
            Run = run;
            return true;
        }
        if (problem.ProblemDetails is HttpValidationProblemDetails { Errors.Count: > 0 } validation)
            foreach (var (field, messages) in validation.Errors)
                foreach (var message in messages)
                    ModelState.AddModelError(field switch { "yaml" => "Input.Yaml", "from" => "Input.From", "to" => "Input.To", "version" => "Input.Yaml", _ => "" }, message);
        else ModelState.AddModelError(problem.StatusCode == StatusCodes.Status404NotFound ? "Input.Provider" : "", problem.ProblemDetails.Detail ?? "The what-if failed.");
        return false;
    }

    /// <summary>The provider's policy file as loaded (the starting point of a draft); empty when the file cannot be read.</summary>
    private string CurrentYaml(SupportPolicy policy)
    {
        var path = Path.Combine(options.Value.FlowsDirectory(), policy.FileName);
        return System.IO.File.Exists(path) ? System.IO.File.ReadAllText(path) : "";
    }

    public string Money(long minor) => ConsoleFormat.Money(minor, Run?.Result.Currency ?? "usd");

    /// <summary>A difference with its sign and a word, so a change is not told by colour alone: "+$30.00 more", "−$5.00 less", "no change".</summary>
    public string Difference(long minor) => minor switch
    {
        > 0 => $"+{Money(minor)} more",
        < 0 => $"−{Money(-minor)} less",
        _ => "no change",
    };

    public static string Met(bool? met) => met switch { true => "met", false => "missed", null => "—" };

    public string Chart() => Run is not { } run ? "" : WhatIfChart.Bars("chart-what-if",
        [.. run.Result.Accounts.Where(a => a.Totals.BilledBefore != 0 || a.Totals.BilledAfter != 0)
            .OrderByDescending(a => Math.Max(a.Totals.BilledBefore, a.Totals.BilledAfter)).Take(20)
            .Select(a => (run.Name(a.AccountId), a.Totals.BilledBefore, a.Totals.BilledAfter))],
        run.Result.Currency, Money);
}
