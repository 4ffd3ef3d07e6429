using Api = global::Twilio.Rest.Api.V2010.Account;
using LibraryMethod = global::Twilio.Http.HttpMethod;
using PhoneNumber = global::Twilio.Types.PhoneNumber;

namespace PhoneSupport.Twilio.Rest;

/// <summary>The call progress events a <c>StatusCallback</c> can ask for (sent as repeated <c>StatusCallbackEvent</c>).</summary>
public enum CallStatusEvent
{
    Initiated,
    Ringing,
    Answered,
    Completed,
}

/// <summary>Answering machine detection modes (<c>MachineDetection</c>).</summary>
public enum MachineDetection
{
    Enable,
    DetectMessageEnd,
}

/// <summary>The two statuses a live call can be updated to.</summary>
public enum UpdateCallStatus
{
    /// <summary>Hang up the call, whatever its state.</summary>
    Completed,
    /// <summary>Cancel a call that is still queued or ringing.</summary>
    Canceled,
}

/// <summary>
/// Parameters of <c>POST /2010-04-01/Accounts/{AccountSid}/Calls.json</c>: a thin record of what the service sets, checked
/// before anything is sent and handed to the library as its <see cref="Api.CreateCallOptions"/> (which writes the form).
/// </summary>
public sealed class CreateCallOptions
{
    public CreateCallOptions(string to, string from)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(to);
        ArgumentException.ThrowIfNullOrWhiteSpace(from);
        To = to;
        From = from;
    }

    /// <summary>The number (E.164), <c>client:</c> or <c>sip:</c> address to call.</summary>
    public string To { get; }

    /// <summary>A Twilio number or verified caller ID.</summary>
    public string From { get; }

    /// <summary>Absolute URL Twilio requests for TwiML when the call connects.</summary>
    public Uri? Url { get; init; }

    /// <summary><c>GET</c> or <c>POST</c> (Twilio's default) for <see cref="Url"/>.</summary>
    public HttpMethod? Method { get; init; }

    /// <summary>Inline TwiML (at most 4,000 characters) instead of <see cref="Url"/>.</summary>
    public string? Twiml { get; init; }

    public string? ApplicationSid { get; init; }

    public Uri? FallbackUrl { get; init; }

    public HttpMethod? FallbackMethod { get; init; }

    public Uri? StatusCallback { get; init; }

    /// <summary>Events posted to <see cref="StatusCallback"/>; empty means Twilio's default (<c>completed</c> only).</summary>
    public IReadOnlyList<CallStatusEvent> StatusCallbackEvent { get; init; } = [];

    public HttpMethod? StatusCallbackMethod { get; init; }

    /// <summary>Keys to send once connected (<c>w</c> = half a second pause), at most 32.</summary>
    public string? SendDigits { get; init; }

    /// <summary>Seconds to let it ring (Twilio: default 60, at most 600).</summary>
    public int? Timeout { get; init; }

    /// <summary>Longest the call may last, in seconds.</summary>
    public int? TimeLimit { get; init; }

    public bool? Record { get; init; }

    public MachineDetection? MachineDetection { get; init; }

    public int? MachineDetectionTimeout { get; init; }

    /// <summary>The caller ID shown on SIP calls.</summary>
    public string? CallerId { get; init; }

    internal Api.CreateCallOptions ToLibrary()
    {
        if (Url is null && Twiml is null && ApplicationSid is null)
        {
            throw new ArgumentException("A call needs a Url, Twiml or ApplicationSid to know what to do when answered.");
        }

        LibraryOptions.ThrowIfInvalid(Url, nameof(Url));
        if (Twiml is { Length: > 4000 })
        {
            throw new ArgumentException("Twiml may be at most 4,000 characters (Twilio error 32018); serve it from a Url instead.");
        }

        if (Timeout is < 1 or > 600)
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "Timeout must be between 1 and 600 seconds.");
        }

        return new Api.CreateCallOptions(new PhoneNumber(To), new PhoneNumber(From))
        {
            Url = Url,
            Method = LibraryOptions.Method(Method, nameof(Method)),
            Twiml = Twiml is null ? null : new global::Twilio.Types.Twiml(Twiml),
            ApplicationSid = ApplicationSid,
            FallbackUrl = FallbackUrl,
            FallbackMethod = LibraryOptions.Method(FallbackMethod, nameof(FallbackMethod)),
            StatusCallback = StatusCallback,
            StatusCallbackEvent = StatusCallbackEvent.Select(e => e.ToString().ToLowerInvariant()).ToList(),
            StatusCallbackMethod = LibraryOptions.Method(StatusCallbackMethod, nameof(StatusCallbackMethod)),
            SendDigits = SendDigits,
            Timeout = Timeout,
            TimeLimit = TimeLimit,
            Record = Record,
            MachineDetection = MachineDetection?.ToString(),
            MachineDetectionTimeout = MachineDetectionTimeout,
            CallerId = CallerId,
        };
    }
}

/// <summary>Parameters of <c>POST …/Calls/{Sid}.json</c>: redirect with <c>Url</c> or <c>Twiml</c>, or set <c>Status</c>.</summary>
public sealed class UpdateCallOptions
{
    public Uri? Url { get; init; }

    public HttpMethod? Method { get; init; }

    public string? Twiml { get; init; }

    public UpdateCallStatus? Status { get; init; }

    public Uri? FallbackUrl { get; init; }

    public HttpMethod? FallbackMethod { get; init; }

    public Uri? StatusCallback { get; init; }

    public HttpMethod? StatusCallbackMethod { get; init; }

    public int? TimeLimit { get; init; }

    /// <summary>Hangs the call up.</summary>
    public static UpdateCallOptions Complete() => new() { Status = UpdateCallStatus.Completed };

    /// <summary>Sends the call to new TwiML at <paramref name="url"/>.</summary>
    public static UpdateCallOptions Redirect(Uri url, HttpMethod? method = null) => new() { Url = url, Method = method };

    internal Api.UpdateCallOptions ToLibrary(string callSid)
    {
        if (Url is not null && Twiml is not null)
        {
            throw new ArgumentException("Url and Twiml are mutually exclusive in a call update.");
        }

        LibraryOptions.ThrowIfInvalid(Url, nameof(Url));
        if (Url is null && Twiml is null && Status is null && FallbackUrl is null && StatusCallback is null && TimeLimit is null
            && Method is null && FallbackMethod is null && StatusCallbackMethod is null)
        {
            throw new ArgumentException("A call update needs a Url, Twiml, Status or another parameter.");
        }

        return new Api.UpdateCallOptions(callSid)
        {
            Url = Url,
            Method = LibraryOptions.Method(Method, nameof(Method)),
            Twiml = Twiml is null ? null : new global::Twilio.Types.Twiml(Twiml),
            Status = Status switch
            {
                UpdateCallStatus.Completed => Api.CallResource.UpdateStatusEnum.Completed,
                UpdateCallStatus.Canceled => Api.CallResource.UpdateStatusEnum.Canceled,
                _ => null,
            },
            FallbackUrl = FallbackUrl,
            FallbackMethod = LibraryOptions.Method(FallbackMethod, nameof(FallbackMethod)),
            StatusCallback = StatusCallback,
            StatusCallbackMethod = LibraryOptions.Method(StatusCallbackMethod, nameof(StatusCallbackMethod)),
            TimeLimit = TimeLimit,
        };
    }
}

/// <summary>Filters of <c>GET …/Calls.json</c>. Twilio filters start times by UTC day, hence <see cref="DateOnly"/>.</summary>
public sealed class ListCallsOptions
{
    public string? To { get; init; }

    public string? From { get; init; }

    public string? ParentCallSid { get; init; }

    /// <summary>One of the <see cref="CallStatus"/> values.</summary>
    public string? Status { get; init; }

    /// <summary>Calls that started on or after this UTC day (<c>StartTime&gt;=YYYY-MM-DD</c>).</summary>
    public DateOnly? StartTimeAfter { get; init; }

    /// <summary>Calls that started on or before this UTC day (<c>StartTime&lt;=YYYY-MM-DD</c>).</summary>
    public DateOnly? StartTimeBefore { get; init; }

    /// <summary>Records per page, 1 to 1000 (Twilio's default is 50).</summary>
    public int PageSize { get; init; } = 50;

    /// <summary>The most records returned across pages; null reads every page.</summary>
    public int? Limit { get; init; }

    internal Api.ReadCallOptions ToLibrary()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(PageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PageSize, 1000);
        return new Api.ReadCallOptions
        {
            To = To is null ? null : new PhoneNumber(To),
            From = From is null ? null : new PhoneNumber(From),
            ParentCallSid = ParentCallSid,
            Status = Status is null ? null : (Api.CallResource.StatusEnum)Status,
            StartTimeAfter = StartTimeAfter?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
            StartTimeBefore = StartTimeBefore?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
            PageSize = Limit is { } limit ? Math.Clamp(limit, 1, PageSize) : PageSize,
            Limit = Limit,
        };
    }
}

/// <summary>Parameters of <c>POST …/Messages.json</c> (SMS).</summary>
public sealed class CreateMessageOptions
{
    public CreateMessageOptions(string to)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(to);
        To = to;
    }

    public string To { get; }

    /// <summary>A Twilio number; or set <see cref="MessagingServiceSid"/>.</summary>
    public string? From { get; init; }

    public string? MessagingServiceSid { get; init; }

    public string? Body { get; init; }

    public Uri? StatusCallback { get; init; }

    internal Api.CreateMessageOptions ToLibrary()
    {
        if (From is null && MessagingServiceSid is null)
        {
            throw new ArgumentException("A message needs a From number or a MessagingServiceSid.");
        }

        ArgumentException.ThrowIfNullOrEmpty(Body);
        LibraryOptions.ThrowIfInvalid(StatusCallback, nameof(StatusCallback));
        return new Api.CreateMessageOptions(new PhoneNumber(To))
        {
            From = From is null ? null : new PhoneNumber(From),
            MessagingServiceSid = MessagingServiceSid,
            Body = Body,
            StatusCallback = StatusCallback,
        };
    }
}

/// <summary>Our option values as the library's: methods GET or POST only, URLs absolute http(s).</summary>
internal static class LibraryOptions
{
    public static LibraryMethod? Method(HttpMethod? method, string name) =>
        method is null ? null
        : method == HttpMethod.Get ? LibraryMethod.Get
        : method == HttpMethod.Post ? LibraryMethod.Post
        : throw new ArgumentException($"{name} must be GET or POST, not {method}.");

    public static void ThrowIfInvalid(Uri? url, string name)
    {
        if (url is not null && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"{name} must be an absolute http(s) URL.", name);
        }
    }
}
