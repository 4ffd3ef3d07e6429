namespace PhoneSupport.Emulators.Stripe;

/// <summary>Fault injection: errors, lost answers, slow answers and card declines, queued per endpoint.</summary>
public sealed partial class StripeEmulator
{
    private enum FaultKind
    {
        Fail,
        Delay,
        FailAfterProcessing,
    }

    /// <summary>
    /// The next <paramref name="count"/> requests to <paramref name="endpoint"/> answer an error and do nothing (nothing is
    /// saved under their idempotency key, as with Stripe's rate limiter and front ends). <paramref name="shouldRetry"/> sets
    /// <c>Stripe-Should-Retry</c>; the error's type and code default by status (402 <c>card_error</c>/<c>card_declined</c>,
    /// 429 <c>rate_limit</c>, 5xx <c>api_error</c>).
    /// </summary>
    public void FailNext(
        StripeEndpoint endpoint, int status, bool? shouldRetry = null, int count = 1, string? type = null, string? code = null,
        string? declineCode = null, string? message = null)
    {
        var error = StripeEmulatorError.ForStatus(status, type, code, declineCode, message);
        Enqueue(endpoint, count, new Fault(FaultKind.Fail, error, TimeSpan.Zero, shouldRetry));
    }

    /// <summary>"Did it, then the answer was lost": the request is carried out and its answer saved under its key, but the client gets an error.</summary>
    public void FailAfterProcessingNext(StripeEndpoint endpoint, int status = 500, bool? shouldRetry = null, int count = 1) =>
        Enqueue(endpoint, count, new Fault(FaultKind.FailAfterProcessing, StripeEmulatorError.ForStatus(status, null, null, null, null),
            TimeSpan.Zero, shouldRetry));

    /// <summary>The next <paramref name="count"/> requests wait <paramref name="delay"/> (real time, holding their key) before being carried out.</summary>
    public void DelayNext(StripeEndpoint endpoint, TimeSpan delay, int count = 1) =>
        Enqueue(endpoint, count, new Fault(FaultKind.Delay, null, delay, null));

    /// <summary>Paying an invoice of <paramref name="customer"/> fails with 402 <c>card_declined</c> and this decline code.</summary>
    public void DeclinePaymentsFor(string customer, string declineCode = "generic_decline")
    {
        lock (_gate)
        {
            _declines[customer] = declineCode;
        }
    }

    public void AcceptPaymentsFor(string customer)
    {
        lock (_gate)
        {
            _declines.Remove(customer);
        }
    }

    private void Enqueue(StripeEndpoint endpoint, int count, Fault fault)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_gate)
        {
            if (!_faults.TryGetValue(endpoint, out var queue))
            {
                _faults[endpoint] = queue = new Queue<Fault>();
            }

            for (var i = 0; i < count; i++)
            {
                queue.Enqueue(fault);
            }
        }
    }

    /// <summary>
    /// From now on, a share <paramref name="rate"/> (0–1) of all requests fails at random, in three equal kinds: a 500 before
    /// anything was done, a 500 after it was done (the answer lost), a 429 rate limit. Queued faults still come first.
    /// <paramref name="seed"/> makes a run repeatable. A rate of 0 switches it off.
    /// </summary>
    public void FailRandomly(double rate, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rate, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rate, 1);
        lock (_gate)
        {
            (_randomFailureRate, _random) = (rate, new Random(seed));
        }
    }

    /// <summary>How many requests failed at random so far (by <see cref="FailRandomly"/>).</summary>
    public int RandomFailures
    {
        get
        {
            lock (_gate)
            {
                return _randomFailures;
            }
        }
    }

    private double _randomFailureRate;
    private Random _random = new(1);
    private int _randomFailures;

    private Fault? NextFault(StripeEndpoint endpoint)
    {
        lock (_gate)
        {
            if (_faults.TryGetValue(endpoint, out var queue) && queue.TryDequeue(out var fault)) return fault;
            if (_randomFailureRate <= 0 || _random.NextDouble() >= _randomFailureRate) return null;
            _randomFailures++;
            return _random.Next(3) switch
            {
                0 => new Fault(FaultKind.Fail, StripeEmulatorError.ForStatus(500, null, null, null, null), TimeSpan.Zero, null),
                1 => new Fault(FaultKind.FailAfterProcessing, StripeEmulatorError.ForStatus(500, null, null, null, null), TimeSpan.Zero, null),
                _ => new Fault(FaultKind.Fail, StripeEmulatorError.ForStatus(429, null, null, null, null), TimeSpan.Zero, null),
            };
        }
    }

    private sealed record Fault(FaultKind Kind, StripeEmulatorError? Error, TimeSpan Delay, bool? ShouldRetry);
}
