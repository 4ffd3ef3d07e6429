using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace PhoneSupport.Domain.Policies;

/// <summary>
/// Decides what a caller is entitled to at an instant, from the policy as data. The order of the rules:
/// an exam session in progress (Proctored) → a severity covered around the clock (Premier Sev 1) → a
/// contract's included windows (Constellix dedicated contract) → the plan's offer for the window.
/// Every outcome carries a reason sentence, the callback promise and the policy version.
/// </summary>
public static class EntitlementEngine
{
    private static readonly LocalDateTimePattern When = LocalDateTimePattern.CreateWithInvariantCulture("dddd yyyy-MM-dd HH:mm");

    public static Entitlement Decide(SupportPolicy policy, EntitlementRequest request)
    {
        var decided = DecideOutcome(policy, request);
        // The target is a response target (an SLA record) when it came from the plan's targets, not from the callback promise.
        var plan = policy.Plan(request.Plan);
        var fromPlan = request.Severity is { } severity && plan is not null && decided.Target is not null
            && (plan.Targets?.BySeverity.ContainsKey(severity) == true
                || plan.ExamSessionTargets?.BySeverity.ContainsKey(severity) == true && (request.ExamSessions ?? []).Any(s => s.Contains(request.At)));
        return fromPlan ? decided with { SlaTarget = decided.Target } : decided;
    }

    private static Entitlement DecideOutcome(SupportPolicy policy, EntitlementRequest request)
    {
        var context = Context.Of(policy, request.At);
        if (policy.Plan(request.Plan) is not { } plan)
            return context.Outcome(Decision.NotCovered, $"{request.Plan} is not a {policy.Name} plan.", new RoutingPreferences(9, false, false, false, null),
                null, ClockKind.Wall, context.PromiseDue());

        var severity = request.Severity;
        var inSession = plan.ExamSessionTargets is not null && (request.ExamSessions ?? []).Any(s => s.Contains(request.At));
        var aroundTheClock = severity is { } s && plan.AroundTheClock.Contains(s);
        var routing = new RoutingPreferences(plan.Priority, plan.TamFirst, plan.QueueAllowed, OnCallOnly: context.Window != Window.Business, Skill: null);

        var (target, clock, businessDay, promised) = inSession && severity is { } ss && plan.ExamSessionTargets!.BySeverity.TryGetValue(ss, out var st)
                ? (st, ClockKind.Wall, plan.ExamSessionTargets.BusinessDay, null)
            : plan.Targets is { } targets && severity is { } ts && targets.BySeverity.TryGetValue(ts, out var tt)
                ? (tt, aroundTheClock ? ClockKind.Wall : targets.Clock, targets.BusinessDay, null)
            : (policy.CallbackPromise is { } promise ? ResponseTarget.Of(promise.Within) : null,
                context.Window == Window.Business ? ClockKind.Wall : ClockKind.Coverage, Duration.FromHours(24), policy.CallbackPromise);
        // The provider's callback promise runs on its own clock (callbackPromise.clock) from now or the next opening.
        var due = target is null ? request.At
            : promised is not null ? promised.DueAt(policy.Coverage, request.At)
            : new SlaClock(clock, policy.Coverage, businessDay).DueAt(request.At, target);
        var sev = severity is { } n ? $"severity {n} " : "";
        var targetText = target is null ? "" : $" Response target {target} on the {(clock == ClockKind.Wall ? "24x7" : "coverage")} clock.";

        if (inSession)
            return context.Outcome(Decision.LiveRoute, $"{context.WhenText}: an exam session is in progress, so {plan.Name} {sev}support is live around the clock.{targetText}",
                routing with { OnCallOnly = false }, target, clock, due);
        if (aroundTheClock)
            return context.Outcome(Decision.LiveRoute, $"{plan.Name} covers {sev}around the clock{(context.Window == Window.Business ? "" : " (on-call)")}.{targetText}",
                routing, target, clock, due);

        if (plan.Contract is { } terms && request.Contract is { } contract)
        {
            var date = context.Local.Date;
            if (!contract.IsActiveOn(date))
                return FromPlan(context, plan, routing, target, clock, due,
                    $"Contract {contract.ContractNumber} is not active on {date:yyyy-MM-dd} (it runs {contract.StartsOn:yyyy-MM-dd} to {contract.EndsOn:yyyy-MM-dd}). ");
            if (terms.IncludedWindows.Contains(context.Window) && terms.RatesPerHour.TryGetValue(context.Window, out var rate))
            {
                var price = context.Price(rate);
                var allowance = request.Allowance;
                if (allowance is { Remaining: > 0 })
                    return context.Outcome(Decision.LiveRouteUsingIncluded,
                        $"{context.WhenText} is {context.WindowText}; contract {contract.ContractNumber} includes {terms.IncludedIncidents} {WindowsText(terms)} incidents per contract year, {allowance.Remaining} left, each up to {ResponseTarget.Spoken(terms.IncludedTalkPerIncident)}; beyond that {price.RatePerHour.Spoken()} per hour in {StepText(price)} steps.",
                        routing, target, clock, due) with { Price = price, IncludedTalk = terms.IncludedTalkPerIncident, Allowance = allowance };
                return context.Outcome(Decision.LiveRouteWithPrice,
                    $"{context.WhenText} is {context.WindowText}; contract {contract.ContractNumber} has used its {terms.IncludedIncidents} included incidents this contract year, so the call is billed at {price.RatePerHour.Spoken()} per hour in {StepText(price)} steps.",
                    routing, target, clock, due) with { Price = price, Allowance = allowance };
            }
        }
        return FromPlan(context, plan, routing, target, clock, due, "");
    }

    /// <summary>
    /// Sales and billing, as the policy's <c>sales.business</c> / <c>sales.afterHours</c> say: <c>live</c> with the sales
    /// skill (<c>liveRoute</c>; after hours from the on-call rota), or a <c>message</c> (<c>notCovered</c>: the flow's
    /// message step) returned within the callback promise. Without a <c>sales</c> section: live in business hours, a message outside.
    /// </summary>
    public static Entitlement DecideSales(SupportPolicy policy, Instant at)
    {
        var context = Context.Of(policy, at);
        var business = context.Window == Window.Business;
        var offer = business ? policy.Sales?.Business ?? SalesOffer.Live : policy.Sales?.AfterHours ?? SalesOffer.Message;
        var routing = new RoutingPreferences(5, false, false, OnCallOnly: !business, policy.Sales?.Skill ?? "sales");
        var callbackPromise = policy.CallbackPromise ?? new CallbackPromise(Duration.FromHours(1));
        var promise = ResponseTarget.Of(callbackPromise.Within);
        var clock = callbackPromise.Clock;
        var due = callbackPromise.DueAt(policy.Coverage, at);
        return (offer, business) switch
        {
            (SalesOffer.Live, true) => context.Outcome(Decision.LiveRoute, $"{context.WhenText}: sales and billing is open.", routing, promise, clock, due),
            (SalesOffer.Live, false) => context.Outcome(Decision.LiveRoute, $"{context.WhenText} is {context.WindowText}: sales and billing is live after hours (on-call).", routing, promise, clock, due),
            (_, true) => context.Outcome(Decision.NotCovered, $"{context.WhenText}: sales and billing takes messages, returned within {promise}.", routing, promise, clock, due),
            _ => context.Outcome(Decision.NotCovered, $"{context.WhenText} is {context.WindowText}; sales and billing is open {policy.Coverage.Describe()}. A message is returned within {promise} of opening.", routing, promise, clock, due),
        };
    }

    private static Entitlement FromPlan(Context context, Plan plan, RoutingPreferences routing, ResponseTarget? target, ClockKind clock, Instant due, string prefix)
    {
        var offer = plan.Phone.TryGetValue(context.Window, out var o) ? o : PhoneOffer.NotCovered;
        var hours = context.Policy.Coverage.Describe();
        var targetText = target is null ? "" : $" Response target {target} on the {(clock == ClockKind.Wall ? "24x7" : "coverage")} clock.";
        switch (offer)
        {
            case PhoneOffer.Live:
                return context.Outcome(Decision.LiveRoute, $"{prefix}{context.WhenText} is {context.WindowText}: {plan.Name} phone support is live.{targetText}", routing, target, clock, due);
            case PhoneOffer.Purchase when plan.RatesPerHour.TryGetValue(context.Window, out var rate):
                var price = context.Price(rate);
                return context.Outcome(Decision.PurchaseRequired,
                    $"{prefix}{plan.Name} includes no phone support; in {context.WindowText} a phone incident costs {price.RatePerHour.Spoken()} per hour ({string.Join(" or ", plan.PurchaseOptions.Select(p => $"{new Money(p.Price, price.RatePerHour.Currency).Spoken()} for {p.Minutes} minutes"))}).",
                    routing, target, clock, due) with { Price = price, PurchaseOptions = plan.PurchaseOptions };
            case PhoneOffer.Quote when plan.RatesPerHour.TryGetValue(context.Window, out var quoteRate):
                var quote = context.Price(quoteRate);
                return context.Outcome(Decision.QuoteRequired,
                    $"{prefix}{context.WhenText} is {context.WindowText}: {plan.Name} phone support after hours is quoted first, at {quote.RatePerHour.Spoken()} per hour.",
                    routing, target, clock, due) with { Price = quote };
            case PhoneOffer.Callback:
                return context.Outcome(Decision.Callback, $"{prefix}{context.WhenText} is {context.WindowText}, outside {plan.Name} coverage ({hours}): a callback is due on the coverage clock.{targetText}",
                    routing, target, clock, due);
            default:
                return context.Outcome(Decision.NotCovered,
                    $"{prefix}{context.WhenText} is {context.WindowText}; {plan.Name} phone support is {hours}. The caller can ask for a callback within {target?.ToString() ?? "business hours"} of opening, or open a ticket at {context.Policy.WebTicket.Url}.",
                    routing, target, clock, due);
        }
    }

    private static string WindowsText(ContractTerms terms) =>
        terms.IncludedWindows.Length == 3 && !terms.IncludedWindows.Contains(Window.Business) ? "night, weekend and holiday" : string.Join(", ", terms.IncludedWindows.Select(w => w.Name()));

    private static string StepText(Pricing price) => StepText(price.Step);

    /// <summary>A billing step as it qualifies "steps": "half-hour", "15-minute", "1-hour" (from the policy's <c>billing.step</c>).</summary>
    public static string StepText(Duration step) =>
        step == Duration.FromMinutes(30) ? "half-hour" : ResponseTarget.Spoken(step).Replace(" minutes", "-minute", StringComparison.Ordinal).Replace(" hours", "-hour", StringComparison.Ordinal)
            .Replace(" minute", "-minute", StringComparison.Ordinal).Replace(" hour", "-hour", StringComparison.Ordinal);

    private sealed record Context(SupportPolicy Policy, Instant At, Window Window, string? Holiday, LocalDateTime Local, string Zone)
    {
        public static Context Of(SupportPolicy policy, Instant at)
        {
            var zoned = at.InZone(policy.Coverage.Zone);
            var window = policy.Coverage.WindowAt(at);
            var holiday = window == Window.Holiday ? policy.Coverage.HolidayAt(at) : null;
            return new Context(policy, at, window, holiday, zoned.LocalDateTime, zoned.GetZoneInterval().Name);
        }

        public string WhenText => $"{When.Format(Local)} {Zone}";

        public string WindowText => Window switch
        {
            Window.Holiday => $"a holiday ({Holiday})",
            Window.Weekend => "the weekend window",
            Window.Night => "the night window",
            _ => "business hours",
        };

        public Pricing Price(long ratePerHour)
        {
            var rate = new Money(ratePerHour, Policy.Currency);
            return new Pricing(rate, Policy.Billing.Step, Policy.Billing.StepPrice(rate), Policy.Billing.MinimumSteps);
        }

        public Instant PromiseDue() => At;

        public Entitlement Outcome(Decision decision, string reason, RoutingPreferences routing, ResponseTarget? target, ClockKind clock, Instant due) =>
            new(decision, Window, Holiday, Local, reason, Policy.Version, null, null, null, [], routing, target, clock, due, Policy.WebTicket.Url);
    }

    /// <summary>"120 dollars per hour".</summary>
    public static string SpokenRate(Pricing price) => string.Create(CultureInfo.InvariantCulture, $"{price.RatePerHour.Spoken()} per hour");
}
