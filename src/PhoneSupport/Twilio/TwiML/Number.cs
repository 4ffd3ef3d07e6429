using static PhoneSupport.Twilio.TwiML.TwiMLFormat;

namespace PhoneSupport.Twilio.TwiML;

/// <summary>
/// <c>&lt;Number&gt;</c> inside <c>&lt;Dial&gt;</c>: an E.164 number. <c>url</c> runs TwiML on the callee's leg
/// after it answers and before the bridge (whisper / screening).
/// </summary>
public sealed class Number(
    string phoneNumber,
    string? sendDigits = null,
    Uri? url = null,
    HttpMethod? method = null,
    IEnumerable<CallProgressEvent>? statusCallbackEvent = null,
    Uri? statusCallback = null,
    HttpMethod? statusCallbackMethod = null) : TwiMLElement("Number")
{
    /// <summary>The number dialled, E.164 (<c>+15017122661</c>).</summary>
    public string PhoneNumber { get; set; } = phoneNumber ?? throw new ArgumentNullException(nameof(phoneNumber));

    public string? SendDigits { get; set; } = sendDigits;

    public Uri? Url { get; set; } = url;

    public HttpMethod? Method { get; set; } = method;

    /// <summary><c>statusCallbackEvent</c>: written space-joined; Twilio sends only <c>completed</c> by default.</summary>
    public IReadOnlyList<CallProgressEvent>? StatusCallbackEvent { get; set; } = statusCallbackEvent?.ToList();

    public Uri? StatusCallback { get; set; } = statusCallback;

    public HttpMethod? StatusCallbackMethod { get; set; } = statusCallbackMethod;

    protected override string? Text => PhoneNumber;

    protected override IEnumerable<KeyValuePair<string, string?>> GetAttributes() =>
    [
        Attr("sendDigits", SendDigits),
        Attr("url", TwiMLFormat.Url(Url)),
        Attr("method", TwiMLFormat.Method(Method)),
        Attr("statusCallbackEvent", SpaceJoined(StatusCallbackEvent)),
        Attr("statusCallback", TwiMLFormat.Url(StatusCallback)),
        Attr("statusCallbackMethod", TwiMLFormat.Method(StatusCallbackMethod)),
    ];
}
