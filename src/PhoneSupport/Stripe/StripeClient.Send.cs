using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace PhoneSupport.Stripe;

/// <summary>One API call: method, path under the API base, a loggable operation name, the flat form, and the key (POST only).</summary>
internal sealed record StripeRequest(
    HttpMethod Method, string Path, string Operation, IReadOnlyList<KeyValuePair<string, string>> Form, string? IdempotencyKey);

/// <summary>Sending, classifying failures and retrying (research/stripe.md §2.5).</summary>
public sealed partial class StripeClient
{
    private enum Failure
    {
        None,
        /// <summary>No complete answer within <see cref="StripeOptions.RequestTimeout"/>.</summary>
        Timeout,
        /// <summary>The connection could not be made or broke.</summary>
        Connection,
    }

    private sealed record Attempt(int Status, string Body, bool? ShouldRetry, string? RequestId, Failure Failure, Exception? Error);

    private async Task<T> SendAsync<T>(StripeRequest request, Func<JsonElement, T> parse, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var result = await SendOnceAsync(request, cancellationToken).ConfigureAwait(false);
            if (result.Failure == Failure.None && result.Status is >= 200 and < 300)
            {
                try
                {
                    using var document = JsonDocument.Parse(result.Body);
                    return parse(document.RootElement);
                }
                catch (JsonException ex)
                {
                    throw new StripeApiException(result.Status, "api_error",
                        $"Stripe answered {request.Operation} with HTTP {result.Status} but a body that is not the expected JSON: {ex.Message}",
                        requestId: result.RequestId);
                }
            }

            var (retry, error) = Classify(request, result);
            if (!retry || attempt > _options.MaxRetries)
            {
                throw error;
            }

            var delay = Backoff(attempt);
            LogRetrying(request.Method.Method, request.Operation, Describe(result), attempt, delay.TotalMilliseconds);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Attempt> SendOnceAsync(StripeRequest request, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var isPost = request.Method == HttpMethod.Post;
        var encoded = StripeFormEncoder.Join(request.Form);
        var url = _apiBase + request.Path + (!isPost && encoded.Length > 0 ? "?" + encoded : "");
        using var message = new HttpRequestMessage(request.Method, url);
        message.Headers.Authorization = _authorization;
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        message.Headers.UserAgent.ParseAdd(UserAgent);
        message.Headers.TryAddWithoutValidation("Stripe-Version", _options.ApiVersion);
        if (isPost)
        {
            message.Headers.TryAddWithoutValidation("Idempotency-Key", request.IdempotencyKey);
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(encoded));
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        }

        var started = _time.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var requestId = Header(response, "Request-Id");
            LogAnswered(request.Method.Method, request.Operation, status, requestId, _time.GetElapsedTime(started).TotalMilliseconds);
            var shouldRetry = Header(response, "Stripe-Should-Retry") switch
            {
                { } text when text.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
                { } text when text.Equals("false", StringComparison.OrdinalIgnoreCase) => (bool?)false,
                _ => null,
            };
            return new Attempt(status, body, shouldRetry, requestId, Failure.None, null);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new Attempt(0, "", null, null, Failure.Timeout, ex);
        }
        catch (HttpRequestException ex)
        {
            return new Attempt(0, "", null, null, Failure.Connection, ex);
        }
    }

    /// <summary>
    /// Whether to retry, and what to throw if not. Retrying is safe for any outcome because the key is the same; it is
    /// worth it only when the failure may pass: a timeout or a failed connection, <c>Stripe-Should-Retry: true</c>, 429 or
    /// 5xx — and never when Stripe says <c>Stripe-Should-Retry: false</c>.
    /// </summary>
    private (bool Retry, Exception Error) Classify(StripeRequest request, Attempt result)
    {
        if (result.Failure == Failure.Timeout)
        {
            return (true, new TimeoutException(
                $"Stripe did not answer {request.Operation} within {_options.RequestTimeout}.", result.Error));
        }

        if (result.Failure == Failure.Connection)
        {
            return (true, result.Error!);
        }

        var error = StripeApiException.FromResponse(result.Status, result.Body, result.ShouldRetry, result.RequestId);
        var retry = result.ShouldRetry ?? (result.Status == 429 || result.Status >= 500);
        return (retry, error);
    }

    /// <summary>min(base × 2^(n−1), max), then jitter to between half and all of it, never below the base (as the SDKs do).</summary>
    private TimeSpan Backoff(int attempt)
    {
        var exponential = Math.Min(
            _options.RetryMaxDelay.TotalMilliseconds, _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        var jittered = exponential * (0.5 + (0.5 * Random.Shared.NextDouble()));
        return TimeSpan.FromMilliseconds(Math.Max(jittered, Math.Min(_options.RetryBaseDelay.TotalMilliseconds, exponential)));
    }

    private string Describe(Attempt result) => result.Failure switch
    {
        Failure.None => $"HTTP {result.Status}" + (result.RequestId is { } id ? $" ({id})" : ""),
        Failure.Timeout => $"no answer within {_options.RequestTimeout}",
        _ => "connection failed: " + result.Error!.Message,
    };

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stripe {Method} {Operation} answered {Status} ({RequestId}) in {ElapsedMs:0} ms")]
    private partial void LogAnswered(string method, string operation, int status, string? requestId, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Stripe {Method} {Operation} failed ({Reason}); retry {Attempt} with the same idempotency key in {DelayMs:0} ms")]
    private partial void LogRetrying(string method, string operation, string reason, int attempt, double delayMs);
}
