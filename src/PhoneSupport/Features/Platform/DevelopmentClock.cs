using NodaTime;
using NodaTime.Text;

namespace PhoneSupport.Features.Platform;

/// <summary>
/// The Development-only time source: starts at <c>PhoneSupport:Clock:StartAt</c> (or now), ticks in real time,
/// and can be moved forward with <c>POST /dev/clock/advance</c>. It is the service's <see cref="TimeProvider"/> there (the
/// <see cref="IClock"/> reads it through <see cref="Platform.TimeProviderClock"/>); timers and delays keep real time.
/// Per process, never shared — each instance of a multi-instance demo has its own.
/// </summary>
public sealed class DevelopmentClock : TimeProvider
{
    public const string StartAtKey = "PhoneSupport:Clock:StartAt";

    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly Instant _start;
    private long _advancedTicks;

    public DevelopmentClock(Instant start, TimeProvider time)
    {
        _time = time;
        _start = start;
        _startTimestamp = time.GetTimestamp();
    }

    public static DevelopmentClock FromConfiguration(IConfiguration configuration, TimeProvider time)
    {
        var text = configuration[StartAtKey];
        if (string.IsNullOrWhiteSpace(text)) return new DevelopmentClock(Instant.FromDateTimeOffset(time.GetUtcNow()), time);
        var parsed = InstantPattern.ExtendedIso.Parse(text);
        return parsed.Success
            ? new DevelopmentClock(parsed.Value, time)
            : throw new InvalidOperationException($"{StartAtKey} must be an ISO-8601 UTC instant like 2026-07-04T07:00:00Z, not '{text}'.");
    }

    public override DateTimeOffset GetUtcNow() => GetCurrentInstant().ToDateTimeOffset();

    public override long TimestampFrequency => _time.TimestampFrequency;

    public override long GetTimestamp() => _time.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _time.CreateTimer(callback, state, dueTime, period);

    public Instant GetCurrentInstant() =>
        _start + Duration.FromTimeSpan(_time.GetElapsedTime(_startTimestamp)) + Duration.FromTicks(Interlocked.Read(ref _advancedTicks));

    public Instant Advance(Duration by)
    {
        if (by < Duration.Zero) throw new ArgumentOutOfRangeException(nameof(by), "The clock only moves forward.");
        Interlocked.Add(ref _advancedTicks, by.BclCompatibleTicks);
        return GetCurrentInstant();
    }
}
