using System.Globalization;

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

/// <summary>Parameters of <c>POST /2010-04-01/Accounts/{AccountSid}/Calls.json</c>, with Twilio's exact form keys.</summary>
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

    internal List<KeyValuePair<string, string>> ToForm()
    {
        if (Url is null && Twiml is null && ApplicationSid is null)
        {
            throw new ArgumentException("A call needs a Url, Twiml or ApplicationSid to know what to do when answered.");
        }

        TwilioForm.ThrowIfInvalid(Url, nameof(Url));
        if (Twiml is { Length: > 4000 })
        {
            throw new ArgumentException("Twiml may be at most 4,000 characters (Twilio error 32018); serve it from a Url instead.");
        }

        if (Timeout is < 1 or > 600)
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "Timeout must be between 1 and 600 seconds.");
        }

        var form = new List<KeyValuePair<string, string>>();
        form.Add("To", To).Add("From", From).Add("Url", Url).Add("Method", Method).Add("Twiml", Twiml)
            .Add("ApplicationSid", ApplicationSid).Add("FallbackUrl", FallbackUrl).Add("FallbackMethod", FallbackMethod)
            .Add("StatusCallback", StatusCallback);
        foreach (var callbackEvent in StatusCallbackEvent)
        {
            form.Add("StatusCallbackEvent", callbackEvent.ToString().ToLowerInvariant());
        }

        form.Add("StatusCallbackMethod", StatusCallbackMethod).Add("SendDigits", SendDigits).Add("Timeout", Timeout)
            .Add("TimeLimit", TimeLimit).Add("Record", Record is { } record ? (record ? "true" : "false") : null)
            .Add("MachineDetection", MachineDetection?.ToString()).Add("MachineDetectionTimeout", MachineDetectionTimeout)
            .Add("CallerId", CallerId);
        return form;
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

    internal List<KeyValuePair<string, string>> ToForm()
    {
        if (Url is not null && Twiml is not null)
        {
            throw new ArgumentException("Url and Twiml are mutually exclusive in a call update.");
        }

        TwilioForm.ThrowIfInvalid(Url, nameof(Url));
        var form = new List<KeyValuePair<string, string>>();
        form.Add("Url", Url).Add("Method", Method).Add("Twiml", Twiml)
            .Add("Status", Status?.ToString().ToLowerInvariant()).Add("FallbackUrl", FallbackUrl)
            .Add("FallbackMethod", FallbackMethod).Add("StatusCallback", StatusCallback)
            .Add("StatusCallbackMethod", StatusCallbackMethod).Add("TimeLimit", TimeLimit);
        if (form.Count == 0)
        {
            throw new ArgumentException("A call update needs a Url, Twiml, Status or another parameter.");
        }

        return form;
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

    internal string ToQuery()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(PageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PageSize, 1000);
        var pageSize = Limit is { } limit ? Math.Clamp(limit, 1, PageSize) : PageSize;
        var query = new List<KeyValuePair<string, string>>();
        query.Add("To", To).Add("From", From).Add("ParentCallSid", ParentCallSid).Add("Status", Status)
            .Add("StartTime>", StartTimeAfter?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Add("StartTime<", StartTimeBefore?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Add("PageSize", pageSize);
        return string.Join('&', query.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
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

    internal List<KeyValuePair<string, string>> ToForm()
    {
        if (From is null && MessagingServiceSid is null)
        {
            throw new ArgumentException("A message needs a From number or a MessagingServiceSid.");
        }

        ArgumentException.ThrowIfNullOrEmpty(Body);
        var form = new List<KeyValuePair<string, string>>();
        form.Add("To", To).Add("From", From).Add("MessagingServiceSid", MessagingServiceSid).Add("Body", Body)
            .Add("StatusCallback", StatusCallback);
        return form;
    }
}

/// <summary>Building Twilio form bodies: absent values are left out, URLs absolute, methods upper case.</summary>
internal static class TwilioForm
{
    public static List<KeyValuePair<string, string>> Add(this List<KeyValuePair<string, string>> form, string key, string? value)
    {
        if (value is not null)
        {
            form.Add(KeyValuePair.Create(key, value));
        }

        return form;
    }

    public static List<KeyValuePair<string, string>> Add(this List<KeyValuePair<string, string>> form, string key, Uri? value) =>
        form.Add(key, value?.AbsoluteUri);

    public static List<KeyValuePair<string, string>> Add(this List<KeyValuePair<string, string>> form, string key, int? value) =>
        form.Add(key, value?.ToString(CultureInfo.InvariantCulture));

    public static List<KeyValuePair<string, string>> Add(this List<KeyValuePair<string, string>> form, string key, HttpMethod? value)
    {
        if (value is not null && value != HttpMethod.Get && value != HttpMethod.Post)
        {
            throw new ArgumentException($"{key} must be GET or POST, not {value}.");
        }

        return form.Add(key, value?.Method);
    }

    public static void ThrowIfInvalid(Uri? url, string name)
    {
        if (url is not null && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"{name} must be an absolute http(s) URL.", name);
        }
    }
}
