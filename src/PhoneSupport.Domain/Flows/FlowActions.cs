using System.Collections.Frozen;

namespace PhoneSupport.Domain.Flows;

/// <summary>
/// The named actions a flow may branch to, where each may stand and which outcomes the flow must map.
/// A flow that uses an unknown action, or leaves a required outcome unmapped, is refused at start-up.
/// </summary>
public static class FlowActions
{
    public const string IdentifyByContract = "identifyByContract";
    public const string IdentifyByAccount = "identifyByAccount";
    public const string IdentifyByCustomerNumber = "identifyByCustomerNumber";
    public const string IdentifyByUserName = "identifyByUserName";
    public const string IdentifyByCallerId = "identifyByCallerId";
    public const string Purchase = "purchase";
    public const string Decide = "decide";
    public const string DecideSales = "decideSales";
    public const string ClaimIncluded = "claimIncluded";

    /// <summary>Outcome names.</summary>
    public const string Identified = "identified";
    public const string Failed = "failed";
    public const string NotFound = "notFound";
    public const string Accepted = "accepted";
    public const string Declined = "declined";
    public const string Unavailable = "unavailable";
    public const string LockedOut = "lockedOut";
    public const string Claimed = "claimed";
    public const string NoneLeft = "noneLeft";
    public const string Yes = "yes";
    public const string No = "no";

    public sealed record Spec(StepKind Kind, CollectInput? Input, IReadOnlyList<string> RequiredOutcomes);

    public static readonly FrozenDictionary<string, Spec> Known = new Dictionary<string, Spec>
    {
        [IdentifyByContract] = new(StepKind.Collect, CollectInput.Digits, [Identified, Failed, LockedOut]),
        [IdentifyByAccount] = new(StepKind.Collect, CollectInput.Digits, [Identified, Failed, LockedOut]),
        [IdentifyByCustomerNumber] = new(StepKind.Collect, CollectInput.Digits, [Identified, Failed, LockedOut]),
        [IdentifyByUserName] = new(StepKind.Collect, CollectInput.Speech, [Identified, Failed, LockedOut]),
        [IdentifyByCallerId] = new(StepKind.Action, null, [Identified, NotFound]),
        [Purchase] = new(StepKind.Action, null, [Accepted, Declined]),
        [Decide] = new(StepKind.Action, null, ["liveRoute", "liveRouteUsingIncluded", "liveRouteWithPrice", "callback", "purchaseRequired", "quoteRequired", "notCovered"]),
        [DecideSales] = new(StepKind.Action, null, ["liveRoute", "notCovered"]),
        [ClaimIncluded] = new(StepKind.Action, null, [Claimed, NoneLeft]),
    }.ToFrozenDictionary();

    /// <summary>Outcomes each non-action kind must map (its fixed exits).</summary>
    public static IReadOnlyList<string> RequiredOutcomesOf(StepKind kind) => kind switch
    {
        StepKind.Confirm => [Yes, No],
        StepKind.Route => [Unavailable],
        StepKind.Queue => [Unavailable],
        _ => [],
    };

    /// <summary>The call variables a prompt may name as <c>{name}</c> or <c>{name:digits}</c>.</summary>
    public static readonly FrozenSet<string> Variables = new[]
    {
        "accountName", "accountNumber", "membership", "contractNumber", "severity", "language", "callerNumber",
        "decision", "window", "holiday", "price", "stepPrice", "holidayPrice", "includedTotal", "includedRemaining", "includedTalk",
        "purchaseOptions", "purchaseMenu", "purchasedMinutes", "purchasePrice", "dueAt", "target", "hours", "webTicket",
    }.ToFrozenSet();
}
