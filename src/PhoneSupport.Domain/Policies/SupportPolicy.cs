using System.Collections.Immutable;
using NodaTime;

namespace PhoneSupport.Domain.Policies;

/// <summary>
/// One provider's support policy, loaded from <c>ivr-flows/&lt;provider&gt;.policy.yaml</c>. Every number the
/// engine uses comes from here; a third provider needs a new file, not new code. <see cref="Version"/> is
/// recorded with every decision.
/// </summary>
public sealed record SupportPolicy(
    string Provider,
    string Version,
    string Name,
    string FileName,
    string Currency,
    CoverageCalendar Coverage,
    WebTicket WebTicket,
    BillingRule Billing,
    IdentificationRules Identification,
    CallbackPromise? CallbackPromise,
    SalesService? Sales,
    ImmutableDictionary<string, Plan> Plans,
    NationalNumbers? PhoneNumbers = null)
{
    public Plan? Plan(string name) => Plans.GetValueOrDefault(name);
}

public sealed record WebTicket(string Url, string Spoken);

/// <summary>Charged time is rounded up to whole steps (30 minutes), at least <see cref="MinimumSteps"/>.</summary>
public sealed record BillingRule(Duration Step, int MinimumSteps)
{
    public int Steps(Duration talk) =>
        Math.Max(MinimumSteps, (int)Math.Ceiling(talk.TotalTicks / (double)Step.TotalTicks - 1e-9));

    /// <summary>The price of <paramref name="talk"/> at <paramref name="ratePerHour"/>, in whole steps.</summary>
    public Money Price(Money ratePerHour, Duration talk) =>
        new(ratePerHour.Amount * Step.BclCompatibleTicks * Steps(talk) / Duration.FromHours(1).BclCompatibleTicks, ratePerHour.Currency);

    /// <summary>The price of one step ("60 dollars per half hour").</summary>
    public Money StepPrice(Money ratePerHour) =>
        new(ratePerHour.Amount * Step.BclCompatibleTicks / Duration.FromHours(1).BclCompatibleTicks, ratePerHour.Currency);
}

/// <summary>Tries per call, and the lockout of a caller number after repeated failures.</summary>
public sealed record IdentificationRules(int MaxTriesPerCall, int LockoutFailures, Duration LockoutWithin, Duration LockoutFor)
{
    /// <summary>The failures that can still lock a number at <paramref name="now"/> are those after this instant.</summary>
    public Instant Reach(Instant now) => now - LockoutWithin - LockoutFor;

    /// <summary>
    /// Locked while some run of <see cref="LockoutFailures"/> failures within <see cref="LockoutWithin"/> ended less than
    /// <see cref="LockoutFor"/> ago. <paramref name="failures"/> in time order.
    /// </summary>
    public bool IsLocked(IReadOnlyList<Instant> failures, Instant now)
    {
        for (var i = LockoutFailures - 1; i < failures.Count; i++)
            if (failures[i] - failures[i - LockoutFailures + 1] <= LockoutWithin && now - failures[i] < LockoutFor)
                return true;
        return false;
    }
}

/// <summary>
/// A provider-wide callback promise (Constellix: "returned within the next hour"). It starts now inside coverage
/// and at the next opening outside it, then runs <see cref="Within"/> on its <see cref="Clock"/>: <c>wall</c> (every
/// hour after the start) or <c>coverage</c> (coverage hours only).
/// </summary>
public sealed record CallbackPromise(Duration Within, ClockKind Clock = ClockKind.Wall)
{
    /// <summary>
    /// When a callback promised at <paramref name="now"/> may be made and is due: not before the next opening when it waits for
    /// business hours (<paramref name="coverageOnly"/>); due as decided (<paramref name="due"/>), else by the provider's promise
    /// (an hour when the policy names none).
    /// </summary>
    public static (Instant NotBefore, Instant DueAt) Times(SupportPolicy policy, Instant now, Instant? due, bool coverageOnly) =>
        (coverageOnly ? policy.Coverage.NextOpening(now) : now,
         due ?? (policy.CallbackPromise ?? new CallbackPromise(Duration.FromHours(1))).DueAt(policy.Coverage, now));

    /// <summary>When a promise made at <paramref name="at"/> is due.</summary>
    public Instant DueAt(CoverageCalendar coverage, Instant at)
    {
        var start = coverage.IsCovered(at) ? at : coverage.NextOpening(at);
        return new SlaClock(Clock, coverage, Duration.FromHours(24)).DueAt(start, ResponseTarget.Of(Within));
    }
}

/// <summary>
/// Sales and billing (option 1 of a line): what it offers in business hours and outside them (<c>live</c> with
/// <see cref="Skill"/>, or a <c>message</c>).
/// </summary>
public sealed record SalesService(string Skill, SalesOffer Business = SalesOffer.Live, SalesOffer AfterHours = SalesOffer.Message);

/// <summary>What sales and billing offers in a window: a live technician with the sales skill, or a message.</summary>
public enum SalesOffer { Live, Message }

/// <summary>
/// How callers key numbers on this line without the international prefix (<c>phoneNumbers</c>): a national number of
/// <see cref="NationalNumberLength"/> digits (after the <see cref="TrunkPrefix"/>, if any) is in <see cref="CountryCode"/>;
/// <c>+…</c> and <c>00…</c> are international everywhere.
/// </summary>
public sealed record NationalNumbers(string CountryCode, int NationalNumberLength, string TrunkPrefix);

/// <summary>What a plan gets on the phone in a window, before any contract or 24x7 rule.</summary>
public enum PhoneOffer { Live, Purchase, Quote, Callback, NotCovered }

/// <summary>A membership or programme: its phone offer per window, prices, targets and routing preferences.</summary>
public sealed record Plan(
    string Name,
    int Priority,
    bool QueueAllowed,
    bool TamFirst,
    ImmutableDictionary<Window, PhoneOffer> Phone,
    ImmutableDictionary<Window, long> RatesPerHour,
    ImmutableArray<PurchaseOption> PurchaseOptions,
    ContractTerms? Contract,
    ResponseTargets? Targets,
    ImmutableArray<int> AroundTheClock,
    ResponseTargets? ExamSessionTargets,
    Invoicing Invoicing = Invoicing.PerIncident);

/// <summary>How a plan's charges reach the customer: one invoice per billable incident, or one per calendar month (in the policy's zone).</summary>
public enum Invoicing { PerIncident, Monthly }

/// <summary>A bought block of phone time (30 or 60 minutes) and its price in minor units.</summary>
public sealed record PurchaseOption(int Minutes, long Price);

/// <summary>What a Dedicated Phone Support Contract adds: included incidents in some windows, and rates beyond them.</summary>
public sealed record ContractTerms(int IncludedIncidents, Duration IncludedTalkPerIncident, ImmutableArray<Window> IncludedWindows, ImmutableDictionary<Window, long> RatesPerHour);

/// <summary>Response targets per severity and the clock they run on.</summary>
public sealed record ResponseTargets(ClockKind Clock, Duration BusinessDay, ImmutableDictionary<int, ResponseTarget> BySeverity);
