using NodaTime;

namespace PhoneSupport.Domain.Calls;

/// <summary>A question the engine needs the database to answer before it can take a step.</summary>
public abstract record FactRequest
{
    public sealed record AccountByContractNumber(string ContractNumber) : FactRequest;
    public sealed record AccountByNumber(string Provider, string AccountNumber) : FactRequest;
    public sealed record AccountsByPhone(string Provider, string PhoneNumber) : FactRequest;
    public sealed record AccountsByUserName(string Provider, string NormalizedName) : FactRequest;
}

/// <summary>An account as the IVR needs it, with the contract it was identified by, if any.</summary>
public sealed record AccountFact(Guid AccountId, string Name, string Membership, string AccountNumber, ContractFact? Contract);

public sealed record ContractFact(Guid ContractId, string ContractNumber, LocalDate StartsOn, LocalDate EndsOn);

/// <summary>The answers fetched so far for one webhook. Every request is answered with a list (0, 1 or more matches).</summary>
public sealed class Facts
{
    private readonly Dictionary<FactRequest, IReadOnlyList<AccountFact>> _answers = [];

    public static Facts None => new();

    public Facts With(FactRequest request, IReadOnlyList<AccountFact> answer)
    {
        _answers[request] = answer;
        return this;
    }

    public bool TryGet(FactRequest request, out IReadOnlyList<AccountFact> answer) =>
        _answers.TryGetValue(request, out answer!);
}
