using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Accounts;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

public static class PolicyEndpoints
{
    public static RouteGroupBuilder MapPolicies(this RouteGroupBuilder api)
    {
        api.MapGet("/policies", (PoliciesHandler handler) => handler.List())
            .RequireAuthorization(AdminPolicies.Read).WithTags("Policies");
        api.MapGet("/policies/{provider}/window", (string provider, [FromQuery] string? plan, [FromQuery] string? at, [FromQuery] string? accountId,
                PoliciesHandler handler, CancellationToken ct) => handler.WindowAsync(provider, plan, at, accountId, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Policies").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/policies/{provider}/due", (string provider, [FromQuery] string? plan, [FromQuery] string? severity, [FromQuery] string? start,
                [FromQuery] string? accountId, PoliciesHandler handler, CancellationToken ct) => handler.DueAsync(provider, plan, severity, start, accountId, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Policies").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}

public sealed record PolicyResource(string Provider, string Version, string Name, string Zone, string Currency, string Coverage, string WebTicket, IReadOnlyList<PlanResource> Plans);

public sealed record PlanResource(
    string Name, int Priority, bool QueueAllowed, bool TamFirst, IReadOnlyDictionary<string, string> Phone,
    IReadOnlyDictionary<string, MoneyResource> RatesPerHour, IReadOnlyList<PurchaseOptionResource> PurchaseOptions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ContractTermsResource? Contract,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TargetsResource? Targets,
    IReadOnlyList<int> AroundTheClock,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TargetsResource? ExamSessionTargets);

public sealed record PurchaseOptionResource(int Minutes, MoneyResource Price);

public sealed record ContractTermsResource(int IncludedIncidents, string IncludedTalkPerIncident, IReadOnlyList<string> IncludedWindows, IReadOnlyDictionary<string, MoneyResource> RatesPerHour);

/// <summary>Response targets per severity (<c>"3": "P1D"</c>: days are business days on the coverage clock).</summary>
public sealed record TargetsResource(string Clock, string BusinessDay, IReadOnlyDictionary<string, string> BySeverity);

public sealed record WindowResource(
    string Provider, string At, string Window,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Holiday,
    string LocalTime, string Zone,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Plan,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Offer,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? ExamSession);

public sealed record DueResource(
    string Provider, string Plan, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Severity,
    string Start, string Window, string Target, string DueAt, string Clock,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? ExamSession);

/// <summary>The loaded policies, and the two questions admins ask of them: which window is it, and when is a response due.</summary>
public sealed class PoliciesHandler(PhoneSupportDb db, PolicyCatalog policies, IClock clock)
{
    public Ok<Page<PolicyResource>> List() =>
        TypedResults.Ok(new Page<PolicyResource>([.. policies.Policies.OrderBy(p => p.Provider, StringComparer.Ordinal).Select(Of)], null));

    public async Task<Results<Ok<WindowResource>, ProblemHttpResult>> WindowAsync(string provider, string? plan, string? atText, string? accountIdText, CancellationToken ct)
    {
        if (policies.For(provider) is not { } policy) return UnknownProvider(provider);
        (plan, accountIdText) = (Blank(plan), Blank(accountIdText));
        var errors = new FieldErrors();
        var at = AdminFormats.Instant(atText, "at", errors, clock.GetCurrentInstant());
        if (at is { } asked) policy = policies.At(provider, asked) ?? policy; // the version in effect at that instant
        var (account, planDef) = await AccountAndPlanAsync(policy, plan, accountIdText, errors, ct);
        if (errors.Any) return Problems.Validation(errors);
        if (account is null && accountIdText is not null) return Problems.NotFound($"No account {accountIdText}.");

        var instant = at!.Value;
        var window = policy.Coverage.WindowAt(instant);
        var local = instant.InZone(policy.Coverage.Zone).LocalDateTime;
        var holiday = window == Window.Holiday ? policy.Coverage.HolidayAt(instant) : null;
        var inSession = account is not null && planDef?.ExamSessionTargets is not null ? (await SessionsAsync(account.Id, instant, ct)).Count > 0 : (bool?)null;
        var offer = planDef is null ? null : Offer(planDef.Phone.GetValueOrDefault(window, PhoneOffer.NotCovered));
        return TypedResults.Ok(new WindowResource(policy.Provider, AdminFormats.Format(instant), window.Name(), holiday, AdminFormats.Format(local),
            policy.Coverage.Zone.Id, planDef?.Name, offer, inSession));
    }

    /// <summary>
    /// When a response (or Constellix's callback promise) started at <c>start</c> is due, and on which clock: the
    /// engine's own promise for that plan, severity and instant (a Proctored account's exam sessions included).
    /// </summary>
    public async Task<Results<Ok<DueResource>, ProblemHttpResult>> DueAsync(
        string provider, string? plan, string? severityText, string? startText, string? accountIdText, CancellationToken ct)
    {
        if (policies.For(provider) is not { } policy) return UnknownProvider(provider);
        (plan, accountIdText) = (Blank(plan), Blank(accountIdText));
        var errors = new FieldErrors();
        var start = AdminFormats.Instant(startText, "start", errors, clock.GetCurrentInstant());
        if (start is { } asked) policy = policies.At(provider, asked) ?? policy; // the version in effect at that instant
        var severity = AdminFormats.Severity(severityText, errors);
        var (account, planDef) = await AccountAndPlanAsync(policy, plan, accountIdText, errors, ct);
        if (planDef is null && plan is null && account is null && accountIdText is null)
            errors.Add("plan", $"Required (or pass accountId): one of {string.Join(", ", AccountsHandler.PlanNames(policy))}.");
        if (planDef?.Targets is not null && severity is null && severityText is null)
            errors.Add("severity", $"Required for {planDef.Name}: 1 (urgent), 2 (high), 3 (medium) or 4 (low).");
        if (errors.Any) return Problems.Validation(errors);
        if (account is null && accountIdText is not null) return Problems.NotFound($"No account {accountIdText}.");

        var sessions = account is not null && planDef!.ExamSessionTargets is not null ? await SessionsAsync(account.Id, start!.Value, ct) : [];
        var e = EntitlementEngine.Decide(policy, new EntitlementRequest(planDef!.Name, start!.Value, severity, ExamSessions: sessions));
        if (e.Target is null)
            return Problems.Validation("severity", $"{planDef.Name} has no response target{(severity is { } n ? $" for severity {n}" : "")} and {policy.Provider} makes no callback promise.");
        return TypedResults.Ok(new DueResource(policy.Provider, planDef.Name, severity, AdminFormats.Format(start.Value), e.Window.Name(),
            TargetText(e.Target), AdminFormats.Format(e.CallbackDueAt), EntitlementNowResource.ClockName(e.Clock),
            planDef.ExamSessionTargets is not null && account is not null ? sessions.Count > 0 : null));
    }

    /// <summary>The account of <paramref name="accountIdText"/> (null when absent or unknown) and the plan: the query's, else the account's.</summary>
    private async Task<(Account? Account, Plan? Plan)> AccountAndPlanAsync(SupportPolicy policy, string? plan, string? accountIdText, FieldErrors errors, CancellationToken ct)
    {
        Plan? planDef = null;
        if (plan is not null && (planDef = policy.Plan(plan)) is null)
            errors.Add("plan", $"'{plan}' is not a {policy.Provider} plan; one of: {string.Join(", ", AccountsHandler.PlanNames(policy))}.");
        var accountId = AdminFormats.Id(accountIdText, "accountId", errors, required: false);
        var account = accountId is { } id ? await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) : null;
        if (account is not null && account.Provider != policy.Provider)
            errors.Add("accountId", $"Account {account.AccountNumber} is a {account.Provider} account, not {policy.Provider}.");
        if (account is not null && plan is null && (planDef = policy.Plan(account.Membership)) is null)
            errors.Add("accountId", $"Account {account.AccountNumber} is on '{account.Membership}', which the {policy.Provider} policy does not know.");
        return (account, planDef);
    }

    private async Task<List<Interval>> SessionsAsync(Guid accountId, Instant at, CancellationToken ct) =>
        await db.ExamSessions.AsNoTracking().Where(s => s.AccountId == accountId && s.StartsAt <= at && s.EndsAt > at)
            .Select(s => new Interval(s.StartsAt, s.EndsAt)).ToListAsync(ct);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static ProblemHttpResult UnknownProvider(string provider) =>
        Problems.NotFound($"No policy is loaded for provider '{provider}'.");

    private static PolicyResource Of(SupportPolicy p) => new(
        p.Provider, p.Version, p.Name, p.Coverage.Zone.Id, p.Currency, p.Coverage.Describe(), p.WebTicket.Url,
        [.. p.Plans.Values.OrderBy(plan => plan.Priority).ThenBy(plan => plan.Name, StringComparer.Ordinal).Select(plan => Of(plan, p.Currency))]);

    private static PlanResource Of(Plan plan, string currency) => new(
        plan.Name, plan.Priority, plan.QueueAllowed, plan.TamFirst,
        ByWindow(plan.Phone, Offer), ByWindow(plan.RatesPerHour, r => new MoneyResource(r, currency)),
        [.. plan.PurchaseOptions.Select(o => new PurchaseOptionResource(o.Minutes, new MoneyResource(o.Price, currency)))],
        plan.Contract is { } c
            ? new ContractTermsResource(c.IncludedIncidents, AdminFormats.Format(c.IncludedTalkPerIncident), [.. c.IncludedWindows.Select(w => w.Name())],
                ByWindow(c.RatesPerHour, r => new MoneyResource(r, currency)))
            : null,
        Of(plan.Targets), [.. plan.AroundTheClock], Of(plan.ExamSessionTargets));

    private static TargetsResource? Of(ResponseTargets? targets) => targets is null ? null : new(
        EntitlementNowResource.ClockName(targets.Clock), AdminFormats.Format(targets.BusinessDay),
        targets.BySeverity.OrderBy(t => t.Key).ToDictionary(t => t.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), t => TargetText(t.Value)));

    /// <summary>A target as an ISO period: <c>PT15M</c>, or <c>P1D</c> for business days.</summary>
    private static string TargetText(ResponseTarget target) =>
        target.BusinessDays == 0 ? AdminFormats.Format(target.Duration)
        : target.Duration == Duration.Zero ? $"P{target.BusinessDays}D"
        : $"P{target.BusinessDays}D{AdminFormats.Format(target.Duration)[1..]}";

    /// <summary>In window order (business, night, weekend, holiday), keyed by window name.</summary>
    private static Dictionary<string, TValue> ByWindow<T, TValue>(IReadOnlyDictionary<Window, T> map, Func<T, TValue> value) =>
        Enum.GetValues<Window>().Where(map.ContainsKey).ToDictionary(w => w.Name(), w => value(map[w]));

    private static string Offer(PhoneOffer offer) => JsonNamingPolicy.CamelCase.ConvertName(offer.ToString());
}
