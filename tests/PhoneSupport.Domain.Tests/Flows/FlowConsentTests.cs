using PhoneSupport.Domain.Flows;
using static PhoneSupport.Domain.Tests.Flows.FlowYaml;

namespace PhoneSupport.Domain.Tests.Flows;

/// <summary>
/// Consent by construction: a flow whose priced outcome can reach a technician without a consent step is refused,
/// at the line of that outcome (marked <c>#!</c>); the same flow with the consent step in between loads.
/// </summary>
public sealed class FlowConsentTests
{
    private const string ByContract = """
          main:
            type: collect
            say: "Enter your contract number."
            input: digits
            action: identifyByContract
            outcomes: { identified: decide, failed: extras, lockedOut: bye }
        """;

    private const string ByAccount = """
          main:
            type: collect
            say: "Enter your account number."
            input: digits
            action: identifyByAccount
            outcomes: { identified: decide, failed: extras, lockedOut: bye }
        """;

    /// <summary>Every step of the tail stays reachable whichever outcomes a case maps elsewhere (no priced path starts here).</summary>
    private const string Tail = """
          extras:
            type: menu
            say: "More choices."
            options: { "1": price-confirm, "2": included-confirm, "3": offer, "4": claim }
            onFail: bye
          price-confirm:
            type: confirm
            consent: price
            say: "This call is billed at {price}. Press 1 to accept."
            yes: route
            no: bye
          included-confirm:
            type: confirm
            consent: included
            say: "This uses an included incident. Press 1 to continue."
            yes: claim
            no: bye
          claim:
            type: action
            action: claimIncluded
            outcomes:
              claimed: route
              noneLeft: price-confirm
          buy:
            type: action
            action: purchase
            option: 1
            outcomes: { accepted: route, declined: bye }
          offer:
            type: menu
            say: "{purchaseMenu}"
            options: { "1": buy }
            onFail: bye
          route:
            type: route
            outcomes: { unavailable: callback }
          callback:
            type: callback
          bye:
            type: goodbye
            say: "Goodbye."
        """;

    /// <summary>A decide step; <paramref name="outcomes"/> replaces the default (consented) mapping of some outcomes.</summary>
    private static string Decide(params (string Outcome, string Target, bool Marked)[] outcomes)
    {
        var map = new Dictionary<string, (string Target, bool Marked)>
        {
            ["liveRoute"] = ("route", false), ["liveRouteUsingIncluded"] = ("included-confirm", false), ["liveRouteWithPrice"] = ("price-confirm", false),
            ["callback"] = ("callback", false), ["purchaseRequired"] = ("offer", false), ["quoteRequired"] = ("bye", false), ["notCovered"] = ("bye", false),
        };
        foreach (var (outcome, target, marked) in outcomes) map[outcome] = (target, marked);
        return "  decide:\n    type: action\n    action: decide\n    outcomes:\n"
            + string.Concat(map.Select(o => $"      {o.Key}: {o.Value.Target}{(o.Value.Marked ? " #!" : "")}\n"));
    }

    public static TheoryData<string, string> UnconsentedFlows => new()
    {
        { "a contract's priced call routed at once", Flow(ByContract, Decide(("liveRouteWithPrice", "route", true)), Tail) },
        { "a contract's included incident routed at once", Flow(ByContract, Decide(("liveRouteUsingIncluded", "claim", true)), Tail) },
        { "a purchase offer routed without buying", Flow(ByAccount, Decide(("purchaseRequired", "route", true)), Tail) },
        { "a quote routed live", Flow(ByAccount, Decide(("quoteRequired", "route", true)), Tail) },
        { "a menu in between is not consent", Flow(ByAccount, Decide(("purchaseRequired", "pick", true)), Tail, """
              pick:
                type: menu
                say: "Press 1 for a technician."
                options: { "1": route }
                onFail: bye
            """) },
        { "a consent step whose 'no' still routes", Flow(ByAccount, Decide(("purchaseRequired", "ask", true)), Tail, """
              ask:
                type: confirm
                consent: price
                say: "Press 1 to accept {price}."
                yes: route
                no: route
            """) },
        { "a confirm without consent: is not consent", Flow(ByAccount, Decide(("purchaseRequired", "ask", true)), Tail, """
              ask:
                type: confirm
                say: "Press 1 to accept {price}."
                yes: route
                no: bye
            """) },
        { "no included incidents left, routed without the price", Flow(ByContract, Decide(), Tail.Replace("noneLeft: price-confirm", "noneLeft: route #!", StringComparison.Ordinal)) },
    };

    [Theory]
    [MemberData(nameof(UnconsentedFlows))]
    public void Load_PricedPathWithoutConsent_IsRefusedAtTheOutcomesLine(string problem, string yaml)
    {
        var (catalog, errors) = FlowCatalog.Load([(FileName, yaml)]);

        Assert.Null(catalog);
        AssertErrorsAt(MarkedLines(yaml), errors, "costs money, but a path from it reaches", problem);
        Assert.All(errors, e => Assert.Contains("without a consent step", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_EveryPricedOutcomeThroughConsent_Loads()
    {
        var (catalog, errors) = FlowCatalog.Load([(FileName, Flow(ByContract, Decide(), Tail))]);

        Assert.Empty(errors);
        Assert.NotNull(catalog);
    }

    [Fact]
    public void Load_PricedContractOutcomesWithoutAContractOnTheWay_AreNotPriced()
    {
        // Identified by account number: the engine decides liveRouteUsingIncluded/liveRouteWithPrice only for an identified
        // contract, so these outcomes cannot happen here and may route directly (as the shipped membership path does).
        var yaml = Flow(ByAccount, Decide(("liveRouteUsingIncluded", "route", false), ("liveRouteWithPrice", "route", false)), Tail);

        var (catalog, errors) = FlowCatalog.Load([(FileName, yaml)]);

        Assert.Empty(errors);
        Assert.NotNull(catalog);
    }

    [Fact]
    public void Load_SameDecideReachedWithAndWithoutAContract_IsPriced()
    {
        // A menu offers both identifications before one shared decide: the contract path makes its priced outcomes real.
        var yaml = Flow("""
              main:
                type: menu
                say: "Contract, press 1. Account, press 2."
                options: { "1": by-contract, "2": by-account }
                onFail: bye
              by-contract:
                type: collect
                say: "Enter your contract number."
                input: digits
                action: identifyByContract
                outcomes: { identified: decide, failed: extras, lockedOut: bye }
              by-account:
                type: collect
                say: "Enter your account number."
                input: digits
                action: identifyByAccount
                outcomes: { identified: decide, failed: extras, lockedOut: bye }
            """, Decide(("liveRouteWithPrice", "route", true)), Tail);

        var (catalog, errors) = FlowCatalog.Load([(FileName, yaml)]);

        Assert.Null(catalog);
        AssertErrorsAt(MarkedLines(yaml), errors, "outcome 'liveRouteWithPrice' costs money", "shared decide");
    }
}
