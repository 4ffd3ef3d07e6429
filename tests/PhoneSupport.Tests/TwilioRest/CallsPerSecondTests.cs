using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.TestSupport.Time;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Tests.TwilioRest;

/// <summary>Creates are paced at <c>Twilio:CallsPerSecond</c>, measured on a manual clock.</summary>
public sealed class CallsPerSecondTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_limiter_hands_out_slots_one_interval_apart_in_arrival_order()
    {
        var time = new ManualTimeProvider(Start);
        var limiter = new CallsPerSecondLimiter(2, time);

        var first = limiter.WaitAsync().AsTask();
        var second = limiter.WaitAsync().AsTask();
        var third = limiter.WaitAsync().AsTask();

        Assert.True(first.IsCompletedSuccessfully);
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await second.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(third.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(500));
        await third.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromMilliseconds(500), limiter.Interval);
    }

    [Fact]
    public async Task After_a_quiet_spell_the_next_create_goes_at_once_but_never_two_in_one_interval()
    {
        var time = new ManualTimeProvider(Start);
        var limiter = new CallsPerSecondLimiter(1, time);
        await limiter.WaitAsync();

        time.Advance(TimeSpan.FromSeconds(10));
        var afterQuiet = limiter.WaitAsync().AsTask();
        var next = limiter.WaitAsync().AsTask();

        Assert.True(afterQuiet.IsCompletedSuccessfully); // no burst credit saved up, but no needless wait either
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await next.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_cancelled_wait_throws_and_does_not_block_later_creates_for_ever()
    {
        var time = new ManualTimeProvider(Start);
        var limiter = new CallsPerSecondLimiter(1, time);
        await limiter.WaitAsync();
        using var cancel = new CancellationTokenSource();

        var cancelled = limiter.WaitAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        var later = limiter.WaitAsync().AsTask();
        time.Advance(TimeSpan.FromSeconds(2));
        await later.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Creates_over_http_reach_twilio_at_least_one_interval_apart()
    {
        var time = new ManualTimeProvider(Start);
        var options = RestHarness.FastOptions();
        options.CallsPerSecond = 2;
        options.RequestTimeout = TimeSpan.FromHours(1); // the pump below moves the clock fast; no request may time out
        var emulatorOptions = new TwilioEmulatorOptions
        {
            AccountSid = RestHarness.AccountSid, AuthToken = RestHarness.AuthToken, TimeProvider = time, CallsPerSecond = 2,
        };
        await using var rest = await RestHarness.StartAsync(options, emulatorOptions, clientTime: time);

        const int n = 4;
        var creates = Enumerable.Range(0, n).Select(i => rest.Client.CreateCallAsync(RestHarness.Call(to: $"+1555020000{i}"))).ToList();
        IReadOnlyList<EmulatorRequest> Received() => rest.Emulator.RequestsTo(TwilioEndpoint.CreateCall);
        await RestHarness.EventuallyAsync(() => Received().Count == 1, "the first create goes at once");
        for (var k = 1; k < n; k++)
        {
            // The clock stands still while a released create travels, so arrival stamps are exact.
            time.Advance(TimeSpan.FromMilliseconds(499));
            await Task.Delay(50);
            Assert.Equal(k, Received().Count);
            time.Advance(TimeSpan.FromMilliseconds(1));
            await RestHarness.EventuallyAsync(() => Received().Count == k + 1, $"create {k + 1} is released");
        }

        // Real time only bounds a hang: the answers travel on a thread pool shared with the whole parallel test run (once, under
        // the full command, the four answers took longer than 5 s to be read back although all four had arrived).
        await Task.WhenAll(creates).WaitAsync(TimeSpan.FromSeconds(30));
        var received = Received();
        Assert.Equal(Enumerable.Repeat<int?>(201, n), received.Select(r => r.ResponseStatus)); // the emulator's own CPS check agrees
        Assert.Equal(Enumerable.Range(0, n).Select(k => Start.AddMilliseconds(500 * k)), received.Select(r => r.ReceivedAt));
        Assert.Equal(Enumerable.Range(0, n).Select(i => $"+1555020000{i}"), received.Select(r => r["To"])); // arrival order kept
        Assert.Equal(creates.Select(c => c.Result.Sid), rest.Emulator.Calls.Select(c => c.Sid));
    }

    [Fact]
    public async Task The_emulator_answers_20429_to_creates_above_its_cps_and_the_client_backs_off_until_accepted()
    {
        var options = RestHarness.FastOptions();
        options.MaxRetries = 8;
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(100);
        options.RetryMaxDelay = TimeSpan.FromMilliseconds(400);
        var emulatorOptions = new TwilioEmulatorOptions { AccountSid = RestHarness.AccountSid, AuthToken = RestHarness.AuthToken, CallsPerSecond = 5 };
        await using var rest = await RestHarness.StartAsync(options, emulatorOptions);

        for (var i = 0; i < 3; i++)
        {
            await rest.Client.CreateCallAsync(RestHarness.Call());
        }

        var statuses = rest.Emulator.RequestsTo(TwilioEndpoint.CreateCall).Select(r => r.ResponseStatus).ToList();
        Assert.Equal(3, rest.Emulator.Calls.Count);
        Assert.Contains(429, statuses.Cast<int>());
        Assert.Equal(3, statuses.Count(s => s == 201));
        var accepted = rest.Emulator.Calls.Select(c => c.DateCreated).ToList();
        Assert.All(accepted.Zip(accepted.Skip(1), (a, b) => b - a), gap => Assert.True(gap >= TimeSpan.FromMilliseconds(200)));
    }
}
