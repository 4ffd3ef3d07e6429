namespace PhoneSupport.Domain.Flows;

/// <summary>
/// Consent by construction: every path from an outcome that costs money to a technician (a <c>route</c> or a
/// <c>queue</c>) passes a consent step — a <c>confirm</c> with <c>consent:</c> answered yes, or a <c>purchase</c>
/// accepted. Outcomes that cost money: <c>decide</c>'s <c>purchaseRequired</c> and <c>quoteRequired</c> (always), its
/// <c>liveRouteUsingIncluded</c> and <c>liveRouteWithPrice</c> where a contract can have been identified on the way
/// (the engine decides those only for a contract: <c>identifyByContract</c>'s <c>identified</c>, the only identification
/// that names a contract), and <c>claimIncluded</c>'s <c>noneLeft</c> (the call is now priced, a new consent is needed).
/// </summary>
public static partial class FlowValidator
{
    private static readonly string[] AlwaysPriced = ["purchaseRequired", "quoteRequired"];
    private static readonly string[] PricedWithContract = ["liveRouteUsingIncluded", "liveRouteWithPrice"];

    private static void CheckConsent(Flow flow, Action<int, string> error)
    {
        var withContract = StepsReachedWithContract(flow);
        foreach (var step in flow.Steps.Values.OrderBy(s => s.Line))
        {
            IEnumerable<string> priced = step.Action switch
            {
                FlowActions.Decide => withContract.Contains(step.Id) ? [.. AlwaysPriced, .. PricedWithContract] : AlwaysPriced,
                FlowActions.ClaimIncluded => [FlowActions.NoneLeft],
                _ => [],
            };
            foreach (var outcome in priced)
                if (step.Outcomes.TryGetValue(outcome, out var exit) && RouteWithoutConsent(flow, exit.Target) is { } route)
                    error(exit.Line, $"step '{step.Id}': outcome '{outcome}' costs money, but a path from it reaches {flow.Steps[route].Kind.ToString().ToLowerInvariant()} '{route}' "
                        + "without a consent step (a confirm with 'consent:' answered yes, or an accepted purchase)");
        }
    }

    /// <summary>The steps some path from the start reaches after <c>identifyByContract</c> identified a contract.</summary>
    private static HashSet<string> StepsReachedWithContract(Flow flow)
    {
        var seen = new HashSet<(string Step, bool Contract)>();
        var stack = new Stack<(string Step, bool Contract)>([(flow.Start, false)]);
        while (stack.TryPop(out var state))
        {
            if (!seen.Add(state)) continue;
            var step = flow.Steps[state.Step];
            foreach (var option in step.Options) stack.Push((option.Next.Target, state.Contract));
            foreach (var (name, target) in step.Outcomes)
                stack.Push((target.Target, state.Contract || (step.Action == FlowActions.IdentifyByContract && name == FlowActions.Identified)));
            if (step.Next is { } next) stack.Push((next.Target, state.Contract));
            if (step.OnFail is { } fail) stack.Push((fail.Target, state.Contract));
        }
        return [.. seen.Where(s => s.Contract).Select(s => s.Step)];
    }

    /// <summary>A route or queue reachable from <paramref name="from"/> without crossing a consent exit, if any.</summary>
    private static string? RouteWithoutConsent(Flow flow, string from)
    {
        var seen = new HashSet<string>();
        var stack = new Stack<string>([from]);
        while (stack.TryPop(out var id))
        {
            if (!seen.Add(id)) continue;
            var step = flow.Steps[id];
            if (step.Kind is StepKind.Route or StepKind.Queue) return id;
            foreach (var (name, target) in step.Outcomes)
                if (!IsConsent(step, name)) stack.Push(target.Target);
            foreach (var option in step.Options) stack.Push(option.Next.Target);
            if (step.Next is { } next) stack.Push(next.Target);
            if (step.OnFail is { } fail) stack.Push(fail.Target);
        }
        return null;
    }

    private static bool IsConsent(FlowStep step, string outcome) =>
        (step.Kind == StepKind.Confirm && step.Settings.ContainsKey("consent") && outcome == FlowActions.Yes)
        || (step.Action == FlowActions.Purchase && outcome == FlowActions.Accepted);
}
