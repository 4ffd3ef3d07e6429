using System.Collections.Immutable;
using NodaTime;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Domain.Calls;

/// <summary>
/// Something the engine reads about the world to take a step. All of them are reads: what the step changes comes back as
/// <see cref="Effect"/>s. <see cref="IvrEngine.Plan"/> names the ones a step may need before it runs, so the host loads them
/// in one round trip; a step that finds one missing (a plan that did not foresee it) answers
/// <see cref="StepResult.NeedFacts"/> — no exception — and the host loads it and asks again.
/// Lookups answer a list of <see cref="AccountFact"/>; the others say what they answer.
/// </summary>
public abstract record FactRequest
{
    public sealed record AccountByContractNumber(ContractNumber ContractNumber) : FactRequest;
    public sealed record AccountByNumber(string Provider, string AccountNumber) : FactRequest;
    public sealed record AccountsByPhone(string Provider, string PhoneNumber) : FactRequest;
    public sealed record AccountsByUserName(string Provider, string NormalizedName) : FactRequest;

    /// <summary>The caller number's recent identification failures and whether they lock it. Answers a <see cref="LockoutFact"/>.</summary>
    public sealed record IdentificationLocked(string Provider, string CallerNumber) : FactRequest;

    /// <summary>What deciding for an account needs: plan, contract and its allowance use, exam sessions, TAM, card. Answers an <see cref="AccountSnapshotFact"/>.</summary>
    public sealed record AccountSnapshot(Guid AccountId, Guid? ContractId) : FactRequest;

    /// <summary>The provider's technicians free now, the one holding this call, and who waits ahead. Answers a <see cref="TechnicianPoolFact"/>.</summary>
    public sealed record TechnicianPool(string Provider, string CallSid) : FactRequest;

    /// <summary>The provider's policy (no I/O: the loaded policy). Answers a <see cref="CallPolicyFact"/>.</summary>
    public sealed record CallPolicy(string Provider) : FactRequest;
}

/// <summary>
/// What the engine needs from the provider's policy during a call: how callers key national numbers
/// (<c>phoneNumbers</c>), how many identification tries one call gets (<c>identification.maxTriesPerCall</c>), and the whole
/// policy for the decisions (null for a test provider without one).
/// </summary>
public sealed record CallPolicyFact(NationalNumbers? PhoneNumbers, int MaxIdentificationTries, SupportPolicy? Policy = null)
{
    public static CallPolicyFact Of(SupportPolicy policy) => new(policy.PhoneNumbers, policy.Identification.MaxTriesPerCall, policy);
}

/// <summary>The caller number's identification failures within the lockout's reach (<paramref name="Failures"/>), and the verdict.</summary>
public sealed record LockoutFact(bool Locked, int Failures);

/// <summary>An account as the IVR needs it, with the contract it was identified by, if any.</summary>
public sealed record AccountFact(Guid AccountId, string Name, string Membership, string AccountNumber, ContractFact? Contract);

public sealed record ContractFact(Guid ContractId, string ContractNumber, LocalDate StartsOn, LocalDate EndsOn);

/// <summary>
/// An account's facts for a decision: its plan, the identified contract with its included-incident use per contract
/// year (<paramref name="Contract"/>; null when none was identified or it is not the account's), the exam sessions running
/// when the call was answered, its TAM and whether a card is on file.
/// </summary>
public sealed record AccountSnapshotFact(Guid AccountId, string Membership, Guid? TamTechnicianId, bool CardOnFile, ContractSnapshot? Contract,
    IReadOnlyList<Interval> ExamSessions);

/// <summary>A contract with its included incidents used and claimed per contract year (by the year's first instant), and whether this call holds a claim.</summary>
public sealed record ContractSnapshot(Guid ContractId, string ContractNumber, LocalDate StartsOn, LocalDate EndsOn, IReadOnlyList<AllowanceUseCount> Uses, bool CallHoldsClaim);

public sealed record AllowanceUseCount(Instant ContractYearStart, int Committed, int Claimed);

/// <summary>A technician the IVR can ring.</summary>
public sealed record TechnicianFact(Guid Id, string Name, string PhoneNumber);

/// <summary>
/// The provider's technicians free now (available, out of wrap-up, or holding a reservation that expired), the one holding
/// this call if any (a repeated request, or the queue dispatcher's pick), how many callers of each plan priority wait for
/// a technician (queue entries and callbacks due; this call not counted), and how many technicians one call may try.
/// </summary>
public sealed record TechnicianPoolFact(IReadOnlyList<PoolTechnician> Free, PoolTechnician? Held, IReadOnlyList<WaitingCount> Waiting, int MaxTechniciansPerCall);

public sealed record PoolTechnician(Guid Id, string Name, string PhoneNumber, ImmutableArray<string> Skills, ImmutableArray<string> Languages, bool OnCallNow,
    Instant StatusSince, int Version)
{
    public TechnicianFact Fact => new(Id, Name, PhoneNumber);
}

public sealed record WaitingCount(int Priority, int Count);

/// <summary>
/// The engine's decision with what the IVR needs to speak it. <paramref name="WeeklyHours"/>, when given, is spoken in
/// the caller's language; <paramref name="Hours"/> is the English text used without it.
/// </summary>
public sealed record EntitlementFact(Policies.Entitlement Entitlement, Money? HolidayRate, string Hours, string WebTicketSpoken, DateTimeZone Zone,
    IReadOnlyList<DailyHours>? WeeklyHours = null)
{
    public static EntitlementFact Of(SupportPolicy policy, Policies.Entitlement entitlement)
    {
        var holidayRate = policy.Plans.Values.Select(p => p.Contract?.RatesPerHour.GetValueOrDefault(Window.Holiday)).FirstOrDefault(r => r is > 0);
        return new EntitlementFact(entitlement, holidayRate is { } r ? new Money(r, policy.Currency) : null,
            policy.Coverage.SpokenHours(), policy.WebTicket.Spoken, policy.Coverage.Zone, policy.Coverage.WeeklyHours);
    }
}

/// <summary>
/// What one step is given: the answers to its fact requests, the instant the call was answered (its window is fixed
/// then), the instant now, and fresh ids for the rows its effects create (the host draws them; the step stays pure).
/// </summary>
public sealed class Facts
{
    private readonly Dictionary<FactRequest, object> _answers = [];

    public Facts(Instant callStartedAt, Instant now, IReadOnlyList<Guid>? ids = null)
    {
        CallStartedAt = callStartedAt;
        Now = now;
        Ids = ids ?? [];
    }

    public Instant CallStartedAt { get; }
    public Instant Now { get; }

    /// <summary>Which attempt at this step (1 first): a step taken again after a premise changed spreads its technician choice.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>Fresh ids for the rows the step's effects create (the host draws them; the step stays pure). A step uses at most <see cref="IdsPerStep"/>.</summary>
    public IReadOnlyList<Guid> Ids { get; }

    public const int IdsPerStep = 4;

    /// <summary>The requests answered so far.</summary>
    public IEnumerable<FactRequest> Known => _answers.Keys;

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

/// <summary>A purchase made on a call, or why not (e.g. no card on file).</summary>
public sealed record PurchaseFact(bool Accepted, int Minutes, Money Price, Money RatePerHour, string? Refusal);
