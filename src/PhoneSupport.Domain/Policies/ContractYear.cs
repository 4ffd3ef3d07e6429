using NodaTime;

namespace PhoneSupport.Domain.Policies;

/// <summary>
/// Contract year <c>n</c> runs from the <c>n</c>th anniversary of <c>startsOn</c> at 00:00 in the policy's zone,
/// end exclusive. Anniversaries are always counted from the original start date, so a 29 February start
/// uses 28 February in common years and 29 February again in leap years.
/// </summary>
public static class ContractYear
{
    public static (Instant Start, Instant End, int Number) For(LocalDate startsOn, Instant at, DateTimeZone zone)
    {
        var localDate = at.InZone(zone).Date;
        var n = Math.Max(0, localDate.Year - startsOn.Year);
        while (n > 0 && Anniversary(startsOn, n, zone) > at) n--;
        while (Anniversary(startsOn, n + 1, zone) <= at) n++;
        return (Anniversary(startsOn, n, zone), Anniversary(startsOn, n + 1, zone), n + 1);
    }

    private static Instant Anniversary(LocalDate startsOn, int years, DateTimeZone zone) =>
        zone.AtStartOfDay(startsOn.PlusYears(years)).ToInstant();
}
