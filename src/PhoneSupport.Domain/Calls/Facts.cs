using NodaTime;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Domain.Calls;

/// <summary>
/// A question (or an effect with an answer) the engine needs the host to carry out before it can take a
/// step. Lookups answer a list of <see cref="AccountFact"/>; the others say what they answer.
/// </summary>
public abstract record FactRequest
{
    public sealed record AccountByContractNumber(string ContractNumber) : FactRequest;
    public sealed record AccountByNumber(string Provider, string AccountNumber) : FactRequest;
    public sealed record AccountsByPhone(string Provider, string PhoneNumber) : FactRequest;
    public sealed record AccountsByUserName(string Provider, string NormalizedName) : FactRequest;

    /// <summary>Is this caller number locked out of identification? Answers a <see cref="bool"/>.</summary>
    public sealed record IdentificationLocked(string Provider, string CallerNumber) : FactRequest;

    /// <summary>The entitlement at the call's start. Answers an <see cref="EntitlementFact"/>.</summary>
    public sealed record Entitlement(string Provider, Guid? AccountId, Guid? ContractId, int? Severity, bool Sales) : FactRequest;

    /// <summary>
    /// Reserve a technician for this call, excluding those already tried (<paramref name="Tried"/>: comma-separated
    /// ids — a string, so the request has value equality as a dictionary key); those speaking the caller's
    /// <paramref name="Language"/> first. <paramref name="Priority"/> is the plan's (1 first): a free technician is not
    /// taken while callers of a higher priority wait for them. Answers a <see cref="ReservationFact"/>.
    /// </summary>
    public sealed record ReserveTechnician(string CallSid, string Provider, Guid? AccountId, string? Skill, bool TamFirst, bool OnCallOnly, string Tried, int? Priority = null, string? Language = null) : FactRequest
    {
        public IReadOnlyList<Guid> Excluded => [.. Tried.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse)];
    }

    /// <summary>Put the call in the priority queue (idempotent per call). Answers a <see cref="bool"/>: queued.</summary>
    public sealed record Enqueue(string CallSid, string Provider, int Priority, int Severity, bool OnCallOnly) : FactRequest;

    /// <summary>Store a callback promise (idempotent per call). Answers a <see cref="CallbackFact"/>.</summary>
    public sealed record ScheduleCallback(string CallSid, string Provider, Guid? AccountId, string PhoneNumber, Instant? DueAt, bool? CoverageOnly, int Priority, string Reason,
        string? Skill = null) : FactRequest;

    /// <summary>
    /// Store the caller's recorded message (idempotent per call) with what it promised: a callback to
    /// <paramref name="CallbackNumber"/> (null: none — an unknown caller ID, or a quote) for technicians with
    /// <paramref name="Skill"/>, and, when <paramref name="Quote"/>, a quote request. Answers a <see cref="MessageFact"/>.
    /// </summary>
    public sealed record StoreMessage(string CallSid, string Provider, Guid? AccountId, string From, string? RecordingUrl, string? RecordingSid, int? DurationSeconds,
        string? CallbackNumber, Instant? DueAt, bool? CoverageOnly, int Priority, string Reason, string? Skill, bool Quote) : FactRequest;

    /// <summary>Claim one included incident for this call (idempotent per call). Answers a <see cref="bool"/>: claimed.</summary>
    public sealed record ClaimIncluded(Guid ContractId, string CallSid) : FactRequest;

    /// <summary>
    /// Buy the plan's purchase option <paramref name="Option"/> (1-based) on this call, after the caller heard its price and
    /// pressed its key (idempotent per call). Answers a <see cref="PurchaseFact"/>.
    /// </summary>
    public sealed record Purchase(string CallSid, string Provider, Guid AccountId, int Option) : FactRequest;

    /// <summary>The provider's call rules from its policy (no I/O: the loaded policy). Answers a <see cref="CallPolicyFact"/>.</summary>
    public sealed record CallPolicy(string Provider) : FactRequest;
}

/// <summary>
/// What the engine needs from the provider's policy during a call: how callers key national numbers
/// (<c>phoneNumbers</c>) and how many identification tries one call gets (<c>identification.maxTriesPerCall</c>).
/// </summary>
public sealed record CallPolicyFact(NationalNumbers? PhoneNumbers, int MaxIdentificationTries)
{
    public static CallPolicyFact Of(SupportPolicy policy) => new(policy.PhoneNumbers, policy.Identification.MaxTriesPerCall);
}

/// <summary>A purchase made on a call, or why not (e.g. no card on file).</summary>
public sealed record PurchaseFact(bool Accepted, int Minutes, Money Price, Money RatePerHour, string? Refusal);

/// <summary>An account as the IVR needs it, with the contract it was identified by, if any.</summary>
public sealed record AccountFact(Guid AccountId, string Name, string Membership, string AccountNumber, ContractFact? Contract);

public sealed record ContractFact(Guid ContractId, string ContractNumber, LocalDate StartsOn, LocalDate EndsOn);

/// <summary>A reserved technician.</summary>
public sealed record TechnicianFact(Guid Id, string Name, string PhoneNumber);

/// <summary>The reservation result: a technician, or none available.</summary>
public sealed record ReservationFact(TechnicianFact? Technician);

/// <summary>A stored message, its callback and its quote request (each null when it promised none).</summary>
public sealed record MessageFact(Guid Id, Guid? CallbackId, Instant? CallbackDueAt, Guid? QuoteId);

/// <summary>A stored callback promise.</summary>
public sealed record CallbackFact(Guid Id, Instant DueAt, Instant NotBefore, DateTimeZone Zone);

/// <summary>
/// The engine's decision with what the IVR needs to speak it. <paramref name="WeeklyHours"/>, when given, is spoken in
/// the caller's language; <paramref name="Hours"/> is the English text used without it.
/// </summary>
public sealed record EntitlementFact(Policies.Entitlement Entitlement, Money? HolidayRate, string Hours, string WebTicketSpoken, DateTimeZone Zone,
    IReadOnlyList<DailyHours>? WeeklyHours = null);

/// <summary>The answers fetched so far for one webhook.</summary>
public sealed class Facts
{
    private readonly Dictionary<FactRequest, object> _answers = [];

    public static Facts None => new();

    public Facts With(FactRequest request, object answer)
    {
        _answers[request] = answer;
        return this;
    }

    public bool TryGet<T>(FactRequest request, out T answer)
    {
        if (_answers.TryGetValue(request, out var value) && value is T typed)
        {
            answer = typed;
            return true;
        }
        answer = default!;
        return false;
    }
}
