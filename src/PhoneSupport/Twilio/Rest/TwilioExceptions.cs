using System.Net;

namespace PhoneSupport.Twilio.Rest;

/// <summary>
/// Twilio answered with an error: the library's <see cref="global::Twilio.Exceptions.ApiException"/> (read from
/// <c>{"code": 21211, "message": "…", "more_info": "…", "status": 400, "details": {…}}</c>) with the HTTP status as the
/// wire had it. <see cref="Exception.Message"/> is Twilio's <c>message</c>; the library's exception is the inner one.
/// </summary>
public sealed class TwilioApiException : Exception
{
    public TwilioApiException(int status, int code, string message, string? moreInfo = null,
        IReadOnlyDictionary<string, object>? details = null, Exception? inner = null)
        : base(message, inner)
    {
        Status = status;
        Code = code;
        MoreInfo = moreInfo;
        Details = details;
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>Twilio's error code (20003 bad credentials, 20404 not found, 20429 too many requests…); 0 when the body was not Twilio JSON.</summary>
    public int Code { get; }

    /// <summary>The documentation URL, <c>https://www.twilio.com/docs/errors/{code}</c>.</summary>
    public string? MoreInfo { get; }

    /// <summary>Twilio's optional <c>details</c> object, as the library read it.</summary>
    public IReadOnlyDictionary<string, object>? Details { get; }

    /// <summary>
    /// The library's error, with the status the wire answered (the library leaves it 0 when the body is not Twilio JSON,
    /// e.g. a proxy's HTML page: then code 0 and the HTTP reason).
    /// </summary>
    internal static TwilioApiException From(global::Twilio.Exceptions.ApiException error, int wireStatus)
    {
        var status = wireStatus > 0 ? wireStatus : error.Status;
        return error.Code > 0
            ? new TwilioApiException(status, error.Code, error.Message, error.MoreInfo, error.Details, error)
            : new TwilioApiException(status, 0, $"HTTP {status} {(HttpStatusCode)status}", null, null, error);
    }
}

/// <summary>
/// A create (call or message) whose fate is unknown: Twilio answered 5xx, did not answer within the timeout, or the
/// connection broke after the request went out. Twilio may have taken it, so it is not retried blindly; look first,
/// e.g. with <see cref="TwilioRestClientExtensions.FindCallsPossiblyCreatedAsync"/>, then decide.
/// </summary>
public sealed class TwilioCreateOutcomeUnknownException : Exception
{
    internal TwilioCreateOutcomeUnknownException(
        string what, CreateCallOptions? call, CreateMessageOptions? message, DateTimeOffset firstSentAt, string reason, Exception? inner)
        : base($"Twilio may or may not have created the {what} ({reason}). Check before sending it again.", inner)
    {
        CallRequest = call;
        MessageRequest = message;
        FirstSentAt = firstSentAt;
        Reason = reason;
    }

    /// <summary>The call create that may have happened (null for a message).</summary>
    public CreateCallOptions? CallRequest { get; }

    /// <summary>The message create that may have happened (null for a call).</summary>
    public CreateMessageOptions? MessageRequest { get; }

    /// <summary>When the first attempt went out (the client's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset FirstSentAt { get; }

    /// <summary>Why the outcome is unknown, e.g. <c>HTTP 500 (20500)</c> or <c>no answer within 00:00:10</c>.</summary>
    public string Reason { get; }

    /// <summary>Twilio's error, when it answered one.</summary>
    public TwilioApiException? ApiError => InnerException as TwilioApiException;

    /// <summary>True when Twilio did not answer in time.</summary>
    public bool TimedOut => InnerException is TimeoutException;
}

/// <summary>Helpers over <see cref="ITwilioRestClient"/>.</summary>
public static class TwilioRestClientExtensions
{
    /// <summary>
    /// After <see cref="TwilioCreateOutcomeUnknownException"/> on a call: the calls to the same number from the same
    /// caller created since just before the first attempt (newest first). Empty means Twilio did not take it. Matches on
    /// <c>date_created</c>, not <c>start_time</c>, because a call still waiting in Twilio's CPS queue has not started.
    /// </summary>
    public static async Task<IReadOnlyList<CallResource>> FindCallsPossiblyCreatedAsync(
        this ITwilioRestClient client, TwilioCreateOutcomeUnknownException unknown, TimeSpan? clockSkew = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(unknown);
        var request = unknown.CallRequest
            ?? throw new ArgumentException("The exception is about a message, not a call.", nameof(unknown));
        var since = unknown.FirstSentAt - (clockSkew ?? TimeSpan.FromMinutes(2));
        var calls = await client.ListCallsAsync(new ListCallsOptions { To = request.To, From = request.From, PageSize = 50, Limit = 50 },
            cancellationToken);
        return calls.Where(c => c.DateCreated is null || c.DateCreated >= since).ToList();
    }
}
