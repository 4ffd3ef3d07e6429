using NodaTime;

namespace PhoneSupport.Features.Platform;

/// <summary>
/// The service's one time source seen as a NodaTime <see cref="IClock"/>: the registered <see cref="TimeProvider"/> (the
/// system's in production, the development clock in Development, a test's manual one in tests), so the domain's "now" and
/// the timers, delays and timeouts always agree. See docs/decisions/016-one-time-source.md.
/// </summary>
public sealed class TimeProviderClock(TimeProvider time) : IClock
{
    public Instant GetCurrentInstant() => Instant.FromDateTimeOffset(time.GetUtcNow());
}
