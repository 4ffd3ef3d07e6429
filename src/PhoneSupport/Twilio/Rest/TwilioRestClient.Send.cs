using System.Net.Http.Headers;
using System.Text.Json;

namespace PhoneSupport.Twilio.Rest;

/// <summary>One REST request: path (with query) under the API base, a loggable resource name, and the form body.</summary>
internal sealed record TwilioRequest(HttpMethod Method, string PathAndQuery, string Resource, IReadOnlyList<KeyValuePair<string, string>>? Form)
{
    public CreateCallOptions? CallCreate { get; init; }

    public CreateMessageOptions? MessageCreate { get; init; }

    public bool IsCreate => CallCreate is not null || MessageCreate is not null;
}

/// <summary>Sending, classifying failures, and retrying (the create rule: retry only what Twilio surely did not take).</summary>
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
    }

    private sealed record Attempt(int Status, string Body, TimeSpan? RetryAfter, Failure Failure, Exception? Error);

    private async Task<T> SendAsync<T>(TwilioRequest request, Func<JsonElement, T> parse, CancellationToken cancellationToken)
    {
        var firstSentAt = _time.GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            if (request.CallCreate is not null)
            {
                await _limiter.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            var result = await SendOnceAsync(request, cancellationToken).ConfigureAwait(false);
            if (result.Failure == Failure.None && result.Status is >= 200 and < 300)
            {
                try
                {
                    using var document = JsonDocument.Parse(result.Body);
                    return parse(document.RootElement);
                }
                catch (JsonException ex) when (request.IsCreate)
                {
                    // Twilio took it, but which call it made cannot be read: the caller must look, not resend.
                    throw OutcomeUnknown(request, firstSentAt, $"HTTP {result.Status} with an unreadable body", ex);
                }
            }

            var (retry, error) = Classify(request, result, firstSentAt);
            if (!retry || attempt > _options.MaxRetries)
            {
                throw error;
            }

            var delay = Backoff(attempt, result.RetryAfter);
            LogRetrying(request.Method.Method, request.Resource, Describe(result), attempt, delay.TotalMilliseconds);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Attempt> SendOnceAsync(TwilioRequest request, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var message = new HttpRequestMessage(request.Method, _apiBase + request.PathAndQuery);
        message.Headers.Authorization = _authorization;
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        message.Headers.UserAgent.ParseAdd(UserAgent);
        if (request.Form is not null)
        {
            message.Content = new FormUrlEncodedContent(request.Form);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
        }

        var started = _time.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            LogAnswered(request.Method.Method, request.Resource, status, _time.GetElapsedTime(started).TotalMilliseconds);
            var retryAfter = response.Headers.RetryAfter is { } header
                ? header.Delta ?? (header.Date is { } date ? date - _time.GetUtcNow() : null)
                : null;
            return new Attempt(status, body, retryAfter, Failure.None, null);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new Attempt(0, "", null, Failure.Timeout, ex);
        }
        catch (HttpRequestException ex)
        {
            var notSent = ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError;
            return new Attempt(0, "", null, notSent ? Failure.NotSent : Failure.Broken, ex);
        }
    }

    /// <summary>Whether to retry, and what to throw if not.</summary>
    private (bool Retry, Exception Error) Classify(TwilioRequest request, Attempt result, DateTimeOffset firstSentAt)
    {
        var apiError = result.Failure == Failure.None ? TwilioApiException.FromResponse(result.Status, result.Body) : null;
        Exception error = result.Failure switch
        {
            Failure.None => apiError!,
            Failure.Timeout => new TimeoutException(
                $"Twilio did not answer {request.Method} {request.Resource} within {_options.RequestTimeout}.", result.Error),
            _ => result.Error!,
        };

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

    private string Describe(Attempt result) => result.Failure switch
    {
        Failure.None => $"HTTP {result.Status}" + (TwilioApiException.FromResponse(result.Status, result.Body).Code is var code and > 0
            ? $" (Twilio error {code})" : ""),
        Failure.Timeout => $"no answer within {_options.RequestTimeout}",
        Failure.NotSent => "connection not established: " + result.Error!.Message,
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
