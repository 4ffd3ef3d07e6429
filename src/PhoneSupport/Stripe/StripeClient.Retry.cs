using RequestOptions = Stripe.RequestOptions;
using StripeException = Stripe.StripeException;

namespace PhoneSupport.Stripe;

/// <summary>Timing each attempt, classifying failures and retrying (research/stripe.md §2.5; decision 002).</summary>
public sealed partial class StripeClient
{
    /// <summary>
    /// Calls Stripe.net up to <see cref="StripeOptions.MaxRetries"/> + 1 times with the same <paramref name="requestOptions"/>
    /// (so the same idempotency key), each attempt cancelled after <see cref="StripeOptions.RequestTimeout"/> on our clock.
    /// </summary>
    private async Task<T> SendAsync<T>(
        string operation, string method, Func<RequestOptions, CancellationToken, Task<T>> call, RequestOptions requestOptions,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var started = _time.GetTimestamp();
            Exception error;
            bool retry;
            try
            {
                var result = await call(requestOptions, linked.Token).ConfigureAwait(false);
                if (result is global::Stripe.IStripeEntity { StripeResponse: { } response })
                {
                    LogAnswered(method, operation, (int)response.StatusCode, response.RequestId, _time.GetElapsedTime(started).TotalMilliseconds);
                }

                return result;
            }
            catch (StripeException ex)
            {
                var mapped = StripeApiException.From(ex);
                LogAnswered(method, operation, mapped.Status, mapped.RequestId, _time.GetElapsedTime(started).TotalMilliseconds);
                // Retrying is safe for any outcome because the key is the same; it is worth it only when the failure may pass:
                // Stripe-Should-Retry: true, 429 or 5xx — and never when Stripe says Stripe-Should-Retry: false.
                (retry, error) = (mapped.ShouldRetry ?? (mapped.Status == 429 || mapped.Status >= 500), mapped);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                (retry, error) = (true, new TimeoutException($"Stripe did not answer {operation} within {_options.RequestTimeout}.", ex));
            }
            catch (HttpRequestException ex)
            {
                (retry, error) = (true, ex);
            }

            if (!retry || attempt > _options.MaxRetries)
            {
                throw error;
            }

            var delay = Backoff(attempt);
            LogRetrying(method, operation, Describe(error), attempt, delay.TotalMilliseconds);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>min(base × 2^(n−1), max), then jitter to between half and all of it, never below the base (as the SDKs do).</summary>
    private TimeSpan Backoff(int attempt)
    {
        var exponential = Math.Min(
            _options.RetryMaxDelay.TotalMilliseconds, _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        var jittered = exponential * (0.5 + (0.5 * Random.Shared.NextDouble()));
        return TimeSpan.FromMilliseconds(Math.Max(jittered, Math.Min(_options.RetryBaseDelay.TotalMilliseconds, exponential)));
    }

    private static string Describe(Exception error) => error switch
    {
        StripeApiException s => $"HTTP {s.Status}" + (s.RequestId is { } id ? $" ({id})" : ""),
        TimeoutException t => t.Message,
        _ => "connection failed: " + error.Message,
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stripe {Method} {Operation} answered {Status} ({RequestId}) in {ElapsedMs:0} ms")]
    private partial void LogAnswered(string method, string operation, int status, string? requestId, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Stripe {Method} {Operation} failed ({Reason}); retry {Attempt} with the same idempotency key in {DelayMs:0} ms")]
    private partial void LogRetrying(string method, string operation, string reason, int attempt, double delayMs);
}
