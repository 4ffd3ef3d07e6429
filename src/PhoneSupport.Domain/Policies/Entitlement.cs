using System.Collections.Immutable;
using NodaTime;

namespace PhoneSupport.Domain.Policies;

/// <summary>The engine's outcomes, as the admin API names them.</summary>
public enum Decision { LiveRoute, LiveRouteUsingIncluded, LiveRouteWithPrice, Callback, PurchaseRequired, QuoteRequired, NotCovered }

public static class Decisions
{
    public static string Name(this Decision decision) => decision switch
    {
        Decision.LiveRoute => "liveRoute",
        Decision.LiveRouteUsingIncluded => "liveRouteUsingIncluded",
        Decision.LiveRouteWithPrice => "liveRouteWithPrice",
        Decision.Callback => "callback",
        Decision.PurchaseRequired => "purchaseRequired",
        Decision.QuoteRequired => "quoteRequired",
        _ => "notCovered",
    };

    public static bool IsLive(this Decision decision) =>
        decision is Decision.LiveRoute or Decision.LiveRouteUsingIncluded or Decision.LiveRouteWithPrice;
}

/// <summary>Who is asking, about what, when.</summary>
public sealed record EntitlementRequest(
    string Plan,
    Instant At,
    int? Severity = null,
    ContractInfo? Contract = null,
    AllowanceSnapshot? Allowance = null,
    IReadOnlyList<Interval>? ExamSessions = null);

/// <summary>How to route a live call: priority (lower first), TAM first, queue allowed, the on-call rota.</summary>
public sealed record RoutingPreferences(int Priority, bool TamFirst, bool QueueAllowed, bool OnCallOnly, string? Skill);

/// <summary>A price the caller must accept (or that applies beyond an included incident), per hour in steps.</summary>
public sealed record Pricing(Money RatePerHour, Duration Step, Money StepPrice, int MinimumSteps);

/// <summary>
/// What a caller is entitled to at an instant, and why. Stored with the call and shown in its event log.
/// <see cref="CallbackDueAt"/> is the promise if no technician can take a live call (or the callback itself).
/// </summary>
public sealed record Entitlement(
    Decision Decision,
    Window Window,
    string? Holiday,
    LocalDateTime LocalTime,
    string Reason,
    string PolicyVersion,
    Pricing? Price,
    Duration? IncludedTalk,
    AllowanceSnapshot? Allowance,
    ImmutableArray<PurchaseOption> PurchaseOptions,
    RoutingPreferences Routing,
    ResponseTarget? Target,
    ClockKind Clock,
    Instant CallbackDueAt,
    string WebTicket)
{
    public bool UsesIncluded => Decision == Decision.LiveRouteUsingIncluded;

    /// <summary>
    /// The plan's response target for the caller's severity (<c>targets</c>, or the exam-session targets): the call keeps an
    /// SLA record. Null when <see cref="Target"/> is only a callback promise (Constellix) or no severity was given.
    /// </summary>
    public ResponseTarget? SlaTarget { get; init; }
}
