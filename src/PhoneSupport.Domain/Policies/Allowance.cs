using NodaTime;

namespace PhoneSupport.Domain.Policies;

/// <summary>
/// A contract's included incidents in one contract year: <see cref="Used"/> are committed (incident closed),
/// <see cref="Claimed"/> are promised to a caller who pressed 1 and not yet closed or released.
/// </summary>
public sealed record AllowanceSnapshot(Instant ContractYearStart, Instant ContractYearEnd, int Included, int Used, int Claimed)
{
    public int Remaining => Math.Max(0, Included - Used - Claimed);
}

/// <summary>A Dedicated Phone Support Contract as the engine needs it; <see cref="EndsOn"/> is inclusive.</summary>
public sealed record ContractInfo(string ContractNumber, LocalDate StartsOn, LocalDate EndsOn)
{
    public bool IsActiveOn(LocalDate date) => date >= StartsOn && date <= EndsOn;
}
