using System.Net;

namespace PhoneSupport.Stripe;

/// <summary>
/// Stripe answered with an error: <c>{"error": {"type", "code", "message", "param", "decline_code", …}}</c>
/// (research/stripe.md §2.4). <see cref="Exception.Message"/> is Stripe's <c>message</c>.
/// </summary>
public sealed class StripeApiException : Exception
{
    public StripeApiException(
        int status, string type, string message, string? code = null, string? param = null, string? declineCode = null,
        bool? shouldRetry = null, string? requestId = null)
        : base(message)
    {
        Status = status;
        Type = type;
        Code = code;
        Param = param;
        DeclineCode = declineCode;
        ShouldRetry = shouldRetry;
        RequestId = requestId;
    }

    /// <summary>The HTTP status: 400 invalid, 401 bad key, 402 declined, 404 missing, 409 conflict, 429 rate limited, 5xx Stripe.</summary>
    public int Status { get; }

    /// <summary><c>api_error</c>, <c>card_error</c>, <c>idempotency_error</c> or <c>invalid_request_error</c>.</summary>
    public string Type { get; }

    /// <summary>E.g. <c>card_declined</c>, <c>resource_missing</c>, <c>rate_limit</c>.</summary>
    public string? Code { get; }

    /// <summary>The parameter at fault, e.g. <c>amount</c>.</summary>
    public string? Param { get; }

    /// <summary>For card errors: the issuer's reason, e.g. <c>insufficient_funds</c>.</summary>
    public string? DeclineCode { get; }

    /// <summary>The <c>Stripe-Should-Retry</c> header: false means do not retry this request; null when absent.</summary>
    public bool? ShouldRetry { get; }

    /// <summary>The <c>Request-Id</c> header (<c>req_…</c>), for Stripe support and the Dashboard's logs.</summary>
    public string? RequestId { get; }

    /// <summary>True for a card decline and other payment failures (HTTP 402 / <c>card_error</c>).</summary>
    public bool IsCardError => Type == "card_error";

    /// <summary>
    /// Stripe.net's <see cref="global::Stripe.StripeException"/> in our terms: the status, Stripe's error fields, and the
    /// <c>Stripe-Should-Retry</c> and <c>Request-Id</c> headers of the answer. An answer that is not Stripe's error JSON (a
    /// proxy's page) gives <c>api_error</c> and the HTTP reason.
    /// </summary>
    internal static StripeApiException From(global::Stripe.StripeException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var status = (int)exception.HttpStatusCode;
        var response = exception.StripeResponse;
        var shouldRetry = Header(response, "Stripe-Should-Retry") switch
        {
            { } text when text.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
            { } text when text.Equals("false", StringComparison.OrdinalIgnoreCase) => (bool?)false,
            _ => null,
        };
        var requestId = response?.RequestId;
        var error = exception.StripeError;
        return error?.Type is { Length: > 0 } type
            ? new StripeApiException(status, type, error.Message ?? ReasonOf(status), error.Code, error.Param, error.DeclineCode, shouldRetry, requestId)
            : new StripeApiException(status, "api_error", status == 0 ? exception.Message : ReasonOf(status), shouldRetry: shouldRetry, requestId: requestId);
    }

    private static string? Header(global::Stripe.StripeResponse? response, string name) =>
        response?.Headers is { } headers && headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static string ReasonOf(int status) => $"HTTP {status} {(HttpStatusCode)status}";
}
