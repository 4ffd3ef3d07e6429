using NodaTime;

namespace PhoneSupport.TestSupport.Time;

/// <summary>A settable <see cref="IClock"/> (NodaTime.Testing is not served here). Thread-safe.</summary>
public sealed class FakeClock(Instant start) : IClock
{
    private long _ticks = start.ToUnixTimeTicks();

    public Instant GetCurrentInstant() => Instant.FromUnixTimeTicks(Interlocked.Read(ref _ticks));

    public void Advance(Duration by) => Interlocked.Add(ref _ticks, by.BclCompatibleTicks);

    public void Set(Instant instant) => Interlocked.Exchange(ref _ticks, instant.ToUnixTimeTicks());
}
