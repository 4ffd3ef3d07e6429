namespace PhoneSupport.Twilio.Rest;

/// <summary>
/// Paces call creates at <c>Twilio:CallsPerSecond</c>: a token bucket holding one token, refilled every
/// 1/CPS seconds on a <see cref="TimeProvider"/>. Each waiter reserves the next free slot under a lock and then sleeps
/// until it, so creates leave in arrival order, at least 1/CPS apart, whatever the number of client instances sharing it.
/// A waiter cancelled while sleeping leaves its slot unused (the next create may wait one interval longer).
/// </summary>
public sealed class CallsPerSecondLimiter
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly long _intervalTicks;
    private long? _nextSlot;

    public CallsPerSecondLimiter(double callsPerSecond, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (!double.IsFinite(callsPerSecond) || callsPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(callsPerSecond), callsPerSecond, "Calls per second must be positive.");
        }

        _time = time;
        Interval = TimeSpan.FromSeconds(1 / callsPerSecond);
        _intervalTicks = (long)Math.Ceiling(Interval.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>The spacing between two creates.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Waits for this create's slot.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken = default)
    {
        TimeSpan wait;
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var slot = _nextSlot is { } next && next > now ? next : now;
            _nextSlot = slot + _intervalTicks;
            wait = _time.GetElapsedTime(now, slot);
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }
}
