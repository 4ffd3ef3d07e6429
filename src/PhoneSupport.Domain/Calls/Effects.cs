using System.Collections.Immutable;
using NodaTime;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Domain.Calls;

/// <summary>
/// A change the host makes because of a step, in the same transaction as the call's new state (decision 017). The engine
/// decides (which technician, whether an included incident is left, whether a card is on file) from the facts it was
/// given; an effect whose premise no longer holds when it is applied (the technician taken by another instance, the last
/// included incident claimed by a parallel call, a failure recorded meanwhile for the caller's number) fails the whole
/// transaction, and the host runs the step again on fresh facts.
/// </summary>
public abstract record Effect
{
    /// <summary>
    /// Reserve for <paramref name="Key"/> the first of <paramref name="Candidates"/> (in the routing order; the chosen one first) still
    /// free when the step is saved (whatever else changed about it since it was read: one that finished its wrap-up meanwhile is free). The step speaks for the first; when a parallel call took it meanwhile, the next is reserved and
    /// the host rings that one instead (the call's <c>reservedTechnician</c> and its routing log entry follow in the same batch).
    /// None left free fails the step, which is taken again on fresh facts.
    /// </summary>
    public sealed record ReserveTechnician(ReservationKey Key, ImmutableArray<ReservationCandidate> Candidates, Guid? Tam) : Effect
    {
        public Guid TechnicianId => Candidates[0].TechnicianId;
    }

    /// <summary>Let the technician go if they still hold <paramref name="Key"/> (tried and not taken, declined, no answer).</summary>
    public sealed record ReleaseTechnician(Guid TechnicianId, ReservationKey Key, string Why) : Effect;

    /// <summary>The call with the technician is over: wrap-up before they are offered again.</summary>
    public sealed record FinishTechnician(Guid TechnicianId, ReservationKey Key) : Effect;

    /// <summary>
    /// A lower-priority caller yielded a free technician to higher-priority callbacks due within the look-ahead: their next
    /// attempt is now, so the technician does not idle until their retry.
    /// </summary>
    public sealed record WakeCallbacksAhead(string Provider, int Priority) : Effect;

    /// <summary>Claim one included incident of the contract year starting <paramref name="ContractYearStart"/>, while fewer than <paramref name="Included"/> are used or claimed.</summary>
    public sealed record ClaimIncluded(Guid ContractId, Instant ContractYearStart, CallSid Call, int Included) : Effect;

    /// <summary>Hold the call in the priority queue (back in line keeping its place when it was there before).</summary>
    public sealed record Enqueue(CallSid Call, string Provider, int Priority, int Severity, bool OnCallOnly) : Effect;

    /// <summary>The queue entry's new state (<c>left</c>, <c>connected</c>); a connected entry never changes again.</summary>
    public sealed record MarkQueue(CallSid Call, string Status) : Effect;

    /// <summary>A callback promise (one per call).</summary>
    public sealed record ScheduleCallback(Guid Id, CallSid Call, string Provider, Guid? AccountId, PhoneNumber Number, Instant DueAt, Instant NotBefore,
        bool CoverageOnly, int Priority, string Reason, string? Skill) : Effect;

    /// <summary>
    /// The caller's recorded message (one per call, merged with what the recording status callback stored first), with the
    /// callback it promised (<paramref name="Callback"/>) and, after a quote offer, a quote request.
    /// </summary>
    public sealed record StoreMessage(Guid Id, CallSid Call, string Provider, Guid? AccountId, PhoneNumber From, string? RecordingSid, string? RecordingUrl,
        int? DurationSeconds, ScheduleCallback? Callback, bool Quote) : Effect;

    /// <summary>A block of minutes bought on the call after the caller heard its price and pressed its key (the consent is the event beside it).</summary>
    public sealed record RecordPurchase(Guid Id, CallSid Call, string Provider, Guid AccountId, int Option, string Window, int Minutes, Money Price, Money RatePerHour,
        string PolicyVersion) : Effect;

    /// <summary>
    /// A wrong number or name from this caller number. <paramref name="FailuresSeen"/> is how many failures after
    /// <paramref name="Since"/> (the lockout's reach) the step saw: the number's lockout is exact across instances because a
    /// different count when applied fails the step. <paramref name="Since"/> null: the policy has no lockout, nothing to check.
    /// </summary>
    public sealed record RecordIdentificationFailure(string Provider, PhoneNumber Number, CallSid Call, int FailuresSeen, Instant? Since) : Effect;

    /// <summary>The caller was identified (not locked out) on <paramref name="FailuresSeen"/> failures after <paramref name="Since"/>: still true when saved.</summary>
    public sealed record ExpectIdentificationFailures(string Provider, PhoneNumber Number, int FailuresSeen, Instant? Since) : Effect;

    /// <summary>The decision's response target: the call's SLA record, created or redecided.</summary>
    public sealed record RecordSlaDecision(CallSid Call, string Provider, Guid? AccountId, string Plan, int Severity, string Target, string Clock, Instant DueAt,
        string PolicyVersion) : Effect;

    /// <summary>The technician leg was bridged for <paramref name="Seconds"/>: it counts towards the caller's incident.</summary>
    public sealed record RecordLeg(CallSid Call, string LegSid, int Seconds) : Effect;
}

/// <summary>A technician a reservation may take.</summary>
public sealed record ReservationCandidate(Guid TechnicianId);

/// <summary>What one step did: the call's next state, what Twilio should do, the call's log entries and the changes to make.</summary>
public sealed record StepOutcome(CallSession Session, Instruction Instruction, ImmutableArray<IvrEvent> Events, ImmutableArray<Effect> Effects);
