using NodaTime;

namespace PhoneSupport.TestSupport.Time;

/// <summary>
/// The tests' one fake time source: a <see cref="TimeProvider"/> whose "now" only moves when told to
/// (<see cref="Advance(TimeSpan)"/>, <see cref="Set(Instant)"/>). Registered as the service's <see cref="TimeProvider"/>, it
/// drives the <see cref="IClock"/> too (the service bridges it: <c>TimeProviderClock</c>). Thread-safe.
/// <para>Timers (and so <c>Task.Delay</c>, <c>PeriodicTimer</c> and <c>CancellationTokenSource</c> timeouts on it):
/// by default they fire inside <see cref="Advance(TimeSpan)"/>, in due order, and elapsed time is manual too. A host under
/// test is given <c>timersInRealTime: true</c>: its pollers, pacing and retry delays then wait real time (as its
/// timestamps measure it) while its "now" stays where the test put it.</para>
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly bool _timersInRealTime;
    private DateTimeOffset _now;

    public ManualTimeProvider(DateTimeOffset start, bool timersInRealTime = false)
    {
        _now = start.ToUniversalTime();
        _timersInRealTime = timersInRealTime;
    }

    public ManualTimeProvider(Instant start, bool timersInRealTime = false)
        : this(start.ToDateTimeOffset(), timersInRealTime)
    {
    }

    /// <summary>Manual timers waiting to fire (none when timers run in real time).</summary>
    public int PendingTimers
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count(t => t.Due is not null);
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    /// <summary>The same instant as <see cref="GetUtcNow"/>, as the service's <see cref="IClock"/> reads it.</summary>
    public Instant GetCurrentInstant() => Instant.FromDateTimeOffset(GetUtcNow());

    public override long TimestampFrequency => _timersInRealTime ? System.TimestampFrequency : TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _timersInRealTime ? System.GetTimestamp() : GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (_timersInRealTime) return System.CreateTimer(callback, state, dueTime, period);
        var timer = new ManualTimer(this, callback, state);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    public void Advance(Duration by) => Advance(by.ToTimeSpan());

    /// <summary>
    /// Moves time forward, firing every manual timer that falls due on the way; a negative <paramref name="by"/> puts a
    /// test's clock back (as <see cref="Set(Instant)"/>: no timer fires).
    /// </summary>
    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero)
        {
            Set(Instant.FromDateTimeOffset(GetUtcNow() + by));
            return;
        }

        DateTimeOffset target;
        lock (_gate)
        {
            target = _now + by;
        }

        while (true)
        {
            ManualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.Due <= target).OrderBy(t => t.Due).FirstOrDefault();
                if (next is null)
                {
                    _now = target;
                    return;
                }

                _now = next.Due!.Value;
                next.Due = next.Period > TimeSpan.Zero ? _now + next.Period : null;
            }

            next.Fire();
        }
    }

    /// <summary>
    /// Puts "now" at <paramref name="instant"/>, earlier or later (a scenario's own moment). Fires no timer: manual timers
    /// keep the time they had left.
    /// </summary>
    public void Set(Instant instant)
    {
        lock (_gate)
        {
            var to = instant.ToDateTimeOffset();
            var shift = to - _now;
            _now = to;
            foreach (var timer in _timers.Where(t => t.Due is not null)) timer.Due += shift;
        }
    }

    private void Schedule(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            timer.Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            timer.Due = dueTime == Timeout.InfiniteTimeSpan ? null : _now + dueTime;
        }
    }

    private void Remove(ManualTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due { get; set; }

        public TimeSpan Period { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            owner.Schedule(this, dueTime, period);
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose() => owner.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
