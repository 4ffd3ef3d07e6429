using System.Reflection;
using global::Twilio.Exceptions;

namespace PhoneSupport.Twilio.Rest;

/// <summary>One request through the library: method and a loggable resource name (no query, so no phone numbers).</summary>
internal sealed record TwilioRequest(string Method, string Resource)
{
    public CreateCallOptions? CallCreate { get; init; }

    public CreateMessageOptions? MessageCreate { get; init; }

    public bool IsCreate => CallCreate is not null || MessageCreate is not null;
}

/// <summary>Attempts, classifying the library's failures, and retrying (the create rule: retry only what Twilio surely did not take).</summary>
public sealed partial class TwilioRestClient
{
    private enum Failure
    {
        None,
        /// <summary>No connection was made (refused, unreachable, DNS): nothing reached Twilio.</summary>
        NotSent,
        /// <summary>No complete answer within <see cref="TwilioRestOptions.RequestTimeout"/>.</summary>
        Timeout,
        /// <summary>The connection broke after the request may have gone out.</summary>
        Broken,
        /// <summary>Twilio answered 2xx but the library could not read the body.</summary>
        Unreadable,
    }

    private sealed record Attempt<T>(T? Value, int Status, TimeSpan? RetryAfter, Failure Failure, Exception? Error)
    {
        public bool Succeeded => Failure == Failure.None && Error is null;
    }

    private async Task<T> SendAsync<T>(TwilioRequest request, Func<Task<T>> send, CancellationToken cancellationToken)
    {
        var firstSentAt = _time.GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            if (request.CallCreate is not null)
            {
                await _limiter.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            var result = await SendOnceAsync(request, send, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return result.Value!;
            }

            var (retry, error) = Classify(request, result, firstSentAt);
            if (!retry || attempt > _options.MaxRetries)
            {
                throw error;
            }

            var delay = Backoff(attempt, result.RetryAfter);
            LogRetrying(request.Method, request.Resource, Describe(result), attempt, delay.TotalMilliseconds);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One call into the library under a fresh <see cref="TwilioAttempt"/> (this attempt's token and what the wire answered).</summary>
    private async Task<Attempt<T>> SendOnceAsync<T>(TwilioRequest request, Func<Task<T>> send, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var wire = new TwilioAttempt(linked.Token);
        TwilioAttempt.Current = wire; // flows into the library's calls below, and only those (restored when this method returns)
        var started = _time.GetTimestamp();
        try
        {
            var value = await send().ConfigureAwait(false);
            LogAnswered(request.Method, request.Resource, wire.Status, _time.GetElapsedTime(started).TotalMilliseconds);
            return new Attempt<T>(value, wire.Status, null, Failure.None, null);
        }
        catch (Exception thrown) when (thrown is TwilioException or TargetInvocationException or Newtonsoft.Json.JsonException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Pages after the first are read through reflection: their exceptions arrive wrapped.
            var error = thrown is TargetInvocationException { InnerException: { } inner } ? inner : thrown;
            LogAnswered(request.Method, request.Resource, wire.Status, _time.GetElapsedTime(started).TotalMilliseconds);
            var retryAfter = wire.RetryAfter ?? (wire.RetryAt is { } at ? at - _time.GetUtcNow() : null);
            if (error is ApiConnectionException connection)
            {
                // The library wraps whatever the HttpClient threw; a 2xx already read means the answer came and broke later.
                var cause = connection.InnerException ?? connection;
                var failure = timeout.IsCancellationRequested ? Failure.Timeout
                    : cause is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
                        ? Failure.NotSent
                        : Failure.Broken;
                return new Attempt<T>(default, 0, null, failure, cause);
            }

            if (wire.Status is >= 200 and < 300)
            {
                return new Attempt<T>(default, wire.Status, null, Failure.Unreadable, error.InnerException ?? error);
            }

            if (error is ApiException api && wire.Status > 0)
            {
                return new Attempt<T>(default, wire.Status, retryAfter, Failure.None, TwilioApiException.From(api, wire.Status));
            }

            throw;
        }
    }

    /// <summary>Whether to retry, and what to throw if not.</summary>
    private (bool Retry, Exception Error) Classify<T>(TwilioRequest request, Attempt<T> result, DateTimeOffset firstSentAt)
    {
        var apiError = result.Error as TwilioApiException;
        Exception error = result.Failure switch
        {
            Failure.Timeout => new TimeoutException(
                $"Twilio did not answer {request.Method} {request.Resource} within {_options.RequestTimeout}.", result.Error),
            _ => result.Error!,
        };

        if (result.Failure == Failure.Unreadable)
        {
            // Twilio took it, but what it made cannot be read: a create must be looked up, not resent.
            return (false, request.IsCreate ? OutcomeUnknown(request, firstSentAt, $"HTTP {result.Status} with an unreadable body", error) : error);
        }

        // 429/20429 "is never processed and is always safe to retry"; a connection never made sent nothing.
        var surelyNotTaken = result.Failure == Failure.NotSent || result.Status == 429 || apiError?.Code == 20429;
        if (!request.IsCreate)
        {
            return (surelyNotTaken || result.Failure != Failure.None || result.Status >= 500, error);
        }

        if (surelyNotTaken || (result.Failure == Failure.None && result.Status < 500))
        {
            // Either safe to send again, or a 4xx: Twilio refused it and nothing was created.
            return (surelyNotTaken, error);
        }

        return (false, OutcomeUnknown(request, firstSentAt, Describe(result), error));
    }

    private TwilioCreateOutcomeUnknownException OutcomeUnknown(TwilioRequest request, DateTimeOffset firstSentAt, string reason, Exception inner)
    {
        var what = request.CallCreate is not null ? "call" : "message";
        var to = TwilioRedaction.Phone(request.CallCreate?.To ?? request.MessageCreate!.To);
        LogOutcomeUnknown(what, to, reason);
        return new TwilioCreateOutcomeUnknownException($"{what} to {to}", request.CallCreate, request.MessageCreate, firstSentAt, reason, inner);
    }

    /// <summary>Exponential backoff with "equal jitter" (half fixed, half random); a longer <c>Retry-After</c> wins, capped.</summary>
    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var max = _options.RetryMaxDelay;
        var exponential = TimeSpan.FromMilliseconds(
            Math.Min(max.TotalMilliseconds, _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1)));
        var delay = (exponential / 2) + (exponential / 2 * Random.Shared.NextDouble());
        return retryAfter is { } asked && asked > delay ? (asked < max ? asked : max) : delay;
    }

    private string Describe<T>(Attempt<T> result) => result.Failure switch
    {
        Failure.None => $"HTTP {result.Status}" + ((result.Error as TwilioApiException)?.Code is var code and > 0 ? $" (Twilio error {code})" : ""),
        Failure.Timeout => $"no answer within {_options.RequestTimeout}",
        Failure.NotSent => "connection not established: " + result.Error!.Message,
        Failure.Unreadable => $"HTTP {result.Status} with an unreadable body",
        _ => "connection failed after sending: " + result.Error!.Message,
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Twilio {Method} {Resource} answered {Status} in {ElapsedMs:0} ms")]
    private partial void LogAnswered(string method, string resource, int status, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Twilio {Method} {Resource} failed ({Reason}); retry {Attempt} in {DelayMs:0} ms")]
    private partial void LogRetrying(string method, string resource, string reason, int attempt, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Twilio may or may not have created the {What} to {To} ({Reason}); not retried, the caller must check first")]
    private partial void LogOutcomeUnknown(string what, string to, string reason);
}
