using System.Globalization;
using NodaTime;
using PhoneSupport.Domain.Billing;

namespace PhoneSupport.Domain.Policies;

/// <summary>A contract as a replayed call saw it (the engine's <see cref="ContractInfo"/> and the row's id, for its allowance).</summary>
public sealed record WhatIfContract(Guid ContractId, string Number, LocalDate StartsOn, LocalDate EndsOn);

/// <summary>The block a caller really bought on the call (its minutes pick the draft's option of the same length).</summary>
public sealed record WhatIfPurchase(int Minutes);

/// <summary>
/// What really happened to a call, read from its records (never re-computed): the engine's decision and window, the policy
/// version that decided, the call's incident's charges (<see cref="Billed"/> without waived ones, <see cref="Charged"/> with
/// them: what the policy priced), whether it really used an included incident, and its SLA record's due instant.
/// </summary>
public sealed record WhatIfRecorded(Window Window, Decision Decision, string PolicyVersion, long Billed, long Charged, bool UsedIncluded, Instant? SlaDue);

/// <summary>
/// The facts the engine saw for one answered call, in answered order: who (plan, contract, severity, exam sessions) and when,
/// whether it was the sales line, and what followed — the talk time of the closed incident the call opened
/// (<see cref="TalkSeconds"/>; null when the call bills nothing itself: no incident, one still open, or one merged elsewhere),
/// whether a technician was connected, the block bought, the first human contact — and <see cref="Recorded"/>.
/// </summary>
public sealed record WhatIfCall(
    string CallSid,
    Instant AnsweredAt,
    Guid? AccountId,
    string Plan,
    bool Sales,
    int? Severity,
    WhatIfContract? Contract,
    IReadOnlyList<Interval> ExamSessions,
    int? TalkSeconds,
    bool Connected,
    WhatIfPurchase? Purchase,
    Instant? FirstContactAt,
    WhatIfRecorded Recorded);

/// <summary>What one policy decides for one call: window, decision, billed amount (minor units), SLA due and met.</summary>
public readonly record struct WhatIfOutcome(Window Window, Decision Decision, long Billed, Instant? SlaDue, bool? SlaMet, bool UsesIncluded);

/// <summary>One call before (reality) and after (the draft), with the current policy's replay that proves the replay.</summary>
public sealed record WhatIfRow(WhatIfCall Call, bool? SlaMetBefore, WhatIfOutcome Current, WhatIfOutcome After, bool RoutedDifferently)
{
    public long Difference => After.Billed - Call.Recorded.Billed;
    public bool DecisionChanged => After.Decision != Call.Recorded.Decision;
}

/// <summary>Billed amounts and SLA results of a group of calls (an account, or all).</summary>
public sealed record WhatIfTotals(
    int Calls, long BilledBefore, long BilledAfter, int SlaMetBefore, int SlaMetAfter, int SlaMissedBefore, int SlaMissedAfter,
    int RoutedDifferently, int DecisionsChanged)
{
    public long Difference => BilledAfter - BilledBefore;
}

/// <summary>A call the current policy does not replay as it really happened, and why (a replay defect, or history the replay cannot see).</summary>
public sealed record WhatIfUnexplained(string CallSid, string Reason);

public sealed record WhatIfAccount(Guid? AccountId, WhatIfTotals Totals);

public sealed record WhatIfResult(
    string Currency, IReadOnlyList<WhatIfRow> Rows, WhatIfTotals Totals, IReadOnlyList<WhatIfAccount> Accounts, IReadOnlyList<WhatIfUnexplained> Unexplained);

/// <summary>
/// "What if": every call of a period replayed under a policy — the draft, and the current one beside it — from the facts the
/// engine saw (decision 019). Pure and total: the decisions are <see cref="EntitlementEngine"/>'s, the windows
/// <see cref="CoverageCalendar"/>'s, the prices <see cref="IncidentBilling"/>'s and the SLA due instants the engine's. Contract-year
/// use is replayed in answered order, starting from the included incidents used before the period (<c>priorUses</c>, by contract
/// and contract-year start), so under a draft with fewer included incidents a later night call becomes priced.
/// </summary>
public static class WhatIf
{
    /// <summary>What <paramref name="policy"/> decides for each of <paramref name="calls"/> (in answered order), in that order.</summary>
    public static WhatIfOutcome[] Replay(SupportPolicy policy, IReadOnlyList<WhatIfCall> calls, IReadOnlyDictionary<(Guid Contract, Instant YearStart), int> priorUses, Instant now) =>
        Replay(_ => policy, calls, priorUses, now);

    /// <summary>
    /// What the policy <paramref name="policyOf"/> names for each call decides for it (in answered order): one policy for every
    /// call (a draft), or the version that decided each (decision 018: a period may span a change), sharing one tally of
    /// contract-year use.
    /// </summary>
    public static WhatIfOutcome[] Replay(Func<WhatIfCall, SupportPolicy> policyOf, IReadOnlyList<WhatIfCall> calls,
        IReadOnlyDictionary<(Guid Contract, Instant YearStart), int> priorUses, Instant now)
    {
        var outcomes = new WhatIfOutcome[calls.Count];
        if (calls.Count == 0) return outcomes;
        var dated = new Dictionary<SupportPolicy, (SupportPolicy Policy, ContractTerms? Terms)>(ReferenceEqualityComparer.Instance);
        var used = new Dictionary<(Guid, Instant), int>();
        for (var i = 0; i < calls.Count; i++)
        {
            var call = calls[i];
            var given = policyOf(call);
            if (!dated.TryGetValue(given, out var entry))
            {
                var withDates = WithDatedHolidays(given, calls[0].AnsweredAt, calls[^1].AnsweredAt);
                dated[given] = entry = (withDates, withDates.Plans.Values.Select(p => p.Contract).FirstOrDefault(t => t is not null));
            }
            var (policy, terms) = entry;
            if (call.Sales)
            {
                var sales = EntitlementEngine.DecideSales(policy, call.AnsweredAt);
                outcomes[i] = new WhatIfOutcome(sales.Window, sales.Decision, 0, null, null, false);
                continue;
            }
            AllowanceSnapshot? allowance = null;
            (Guid, Instant) year = default;
            if (call.Contract is { } contract && terms is not null)
            {
                var (start, end, _) = ContractYear.For(contract.StartsOn, call.AnsweredAt, policy.Coverage.Zone);
                year = (contract.ContractId, start);
                var before = used.TryGetValue(year, out var n) ? n : priorUses.TryGetValue(year, out var p) ? p : 0;
                allowance = new AllowanceSnapshot(start, end, terms.IncludedIncidents, before, 0);
            }
            var e = EntitlementEngine.Decide(policy, new EntitlementRequest(call.Plan, call.AnsweredAt, call.Severity,
                call.Contract is { } k ? new ContractInfo(k.Number, k.StartsOn, k.EndsOn) : null, allowance, call.ExamSessions));
            var usesIncluded = e.UsesIncluded && (call.Connected || call.Recorded.UsedIncluded);
            if (usesIncluded) used[year] = allowance!.Used + 1;
            else if (allowance is not null && !used.ContainsKey(year)) used[year] = allowance.Used;
            var due = e.SlaTarget is null ? (Instant?)null : e.CallbackDueAt;
            outcomes[i] = new WhatIfOutcome(e.Window, e.Decision, Billed(policy, e, call), due,
                due is { } d ? SlaRecordRules.Met(d, call.FirstContactAt, now) : null, usesIncluded);
        }
        return outcomes;
    }

    /// <summary>
    /// The policy with its holiday rules written out as the observed dates of the years a replay reaches (a year before the first
    /// call to two after the last, where due instants and next openings fall): the same windows there, found by one look-up
    /// instead of every rule of three years for each question the engine asks.
    /// </summary>
    public static SupportPolicy WithDatedHolidays(SupportPolicy policy, Instant first, Instant last)
    {
        var coverage = policy.Coverage;
        var (from, to) = (first.InZone(coverage.Zone).Year - 1, last.InZone(coverage.Zone).Year + 2);
        var dates = Enumerable.Range(from, to - from + 1).SelectMany(coverage.Holidays.In).ToList();
        return policy with { Coverage = new CoverageCalendar(coverage.Zone, coverage.WeeklyHours, new HolidayCalendar([], dates, null, null), coverage.Closures) };
    }

    /// <summary>
    /// The amount the call's incident is billed under the decision: an included incident beyond its included talk, a priced call,
    /// the draft's block of the same minutes (else its first option) and the time beyond it, or the talk at the quoted rate. The
    /// caller is assumed to accept the price the policy offers; a call that opened no closed incident bills nothing.
    /// </summary>
    public static long Billed(SupportPolicy policy, Entitlement e, WhatIfCall call)
    {
        if (call.TalkSeconds is not { } talk || talk <= 0 || e.Price is not { } price) return 0;
        PurchasedBlock? block = null;
        if (e.Decision == Decision.PurchaseRequired)
        {
            if (e.PurchaseOptions.IsDefaultOrEmpty) return 0;
            var option = e.PurchaseOptions.FirstOrDefault(o => o.Minutes == call.Purchase?.Minutes) ?? e.PurchaseOptions[0];
            block = new PurchasedBlock(Duration.FromMinutes(option.Minutes), new Money(option.Price, price.RatePerHour.Currency));
        }
        long sum = 0;
        foreach (var part in IncidentBilling.Price(policy.Billing, e.Decision, e.Window, price.RatePerHour, e.IncludedTalk, Duration.FromSeconds(talk), block))
            sum += part.Amount.Amount;
        return sum;
    }

    /// <summary>
    /// Reality beside <paramref name="draft"/>: per call, per account (in order of first call) and in total, the billed difference
    /// and the SLA met/missed difference (met: first contact at or before the due instant; missed: later, or none once due passed),
    /// the calls routed differently, and every call the <paramref name="current"/> policy does not replay as it happened.
    /// </summary>
    public static WhatIfResult Compare(SupportPolicy current, SupportPolicy draft, IReadOnlyList<WhatIfCall> calls,
        IReadOnlyDictionary<(Guid Contract, Instant YearStart), int> priorUses, Instant now) =>
        Compare(_ => current, draft, calls, priorUses, now);

    /// <summary>
    /// <see cref="Compare(SupportPolicy, SupportPolicy, IReadOnlyList{WhatIfCall}, IReadOnlyDictionary{ValueTuple{Guid, Instant}, int}, Instant)"/>
    /// with the replay that proves the replay made under the version that decided each call (<paramref name="decidedBy"/>).
    /// </summary>
    public static WhatIfResult Compare(Func<WhatIfCall, SupportPolicy> decidedBy, SupportPolicy draft, IReadOnlyList<WhatIfCall> calls,
        IReadOnlyDictionary<(Guid Contract, Instant YearStart), int> priorUses, Instant now)
    {
        // The two replays are independent (pure): one per core.
        WhatIfOutcome[] replayed = [], after = [];
        Parallel.Invoke(() => replayed = Replay(decidedBy, calls, priorUses, now), () => after = Replay(draft, calls, priorUses, now));
        var rows = new WhatIfRow[calls.Count];
        var unexplained = new List<WhatIfUnexplained>();
        var accounts = new Dictionary<Guid, Tally>();
        var order = new List<Guid?>();
        Tally? anonymous = null;
        var all = new Tally();
        for (var i = 0; i < calls.Count; i++)
        {
            var call = calls[i];
            var metBefore = call.Recorded.SlaDue is { } due ? SlaRecordRules.Met(due, call.FirstContactAt, now) : null;
            var row = new WhatIfRow(call, metBefore, replayed[i], after[i], Route(after[i].Decision) != Route(call.Recorded.Decision));
            rows[i] = row;
            if (Why(decidedBy(call), call, replayed[i]) is { } reason) unexplained.Add(new WhatIfUnexplained(call.CallSid, reason));
            all.Add(row);
            Tally tally;
            if (call.AccountId is { } id)
            {
                if (!accounts.TryGetValue(id, out tally!)) { accounts[id] = tally = new Tally(); order.Add(id); }
            }
            else
            {
                if (anonymous is null) { anonymous = new Tally(); order.Add(null); }
                tally = anonymous;
            }
            tally.Add(row);
        }
        return new WhatIfResult(draft.Currency, rows, all.Totals(),
            [.. order.Select(id => new WhatIfAccount(id, (id is { } a ? accounts[a] : anonymous!).Totals()))], unexplained);
    }

    /// <summary>How a decision routes the caller: live, callback, purchase, quote, or not covered (an included or priced call is live).</summary>
    public static string Route(Decision decision) => decision switch
    {
        Decision.LiveRoute or Decision.LiveRouteUsingIncluded or Decision.LiveRouteWithPrice => "live",
        Decision.Callback => "callback",
        Decision.PurchaseRequired => "purchase",
        Decision.QuoteRequired => "quote",
        _ => "notCovered",
    };

    /// <summary>Why the current policy's replay of a call is not what happened; null when it is.</summary>
    private static string? Why(SupportPolicy current, WhatIfCall call, WhatIfOutcome replayed)
    {
        var recorded = call.Recorded;
        var differences = new List<string>(4);
        if (replayed.Window != recorded.Window) differences.Add($"window {recorded.Window.Name()}, replayed {replayed.Window.Name()}");
        if (replayed.Decision != recorded.Decision) differences.Add($"decision {recorded.Decision.Name()}, replayed {replayed.Decision.Name()}");
        if (replayed.Billed != recorded.Charged)
            differences.Add(string.Create(CultureInfo.InvariantCulture, $"charged {new Money(recorded.Charged, current.Currency)}, replayed {new Money(replayed.Billed, current.Currency)}"));
        if (replayed.SlaDue != recorded.SlaDue)
            differences.Add($"SLA due {(recorded.SlaDue?.ToString() ?? "none")}, replayed {(replayed.SlaDue?.ToString() ?? "none")}");
        if (differences.Count == 0) return null;
        var version = recorded.PolicyVersion != current.Version ? $"decided under policy version {recorded.PolicyVersion}, not {current.Version}: " : "";
        return version + string.Join("; ", differences);
    }

    private sealed class Tally
    {
        private int _calls, _metBefore, _metAfter, _missedBefore, _missedAfter, _routed, _changed;
        private long _before, _after;

        public void Add(WhatIfRow row)
        {
            _calls++;
            _before += row.Call.Recorded.Billed;
            _after += row.After.Billed;
            if (row.SlaMetBefore == true) _metBefore++;
            if (row.SlaMetBefore == false) _missedBefore++;
            if (row.After.SlaMet == true) _metAfter++;
            if (row.After.SlaMet == false) _missedAfter++;
            if (row.RoutedDifferently) _routed++;
            if (row.DecisionChanged) _changed++;
        }

        public WhatIfTotals Totals() => new(_calls, _before, _after, _metBefore, _metAfter, _missedBefore, _missedAfter, _routed, _changed);
    }
}
