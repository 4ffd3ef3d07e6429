using static PhoneSupport.Twilio.TwiML.TwiMLFormat;

namespace PhoneSupport.Twilio.TwiML;

/// <summary>
/// <c>&lt;Queue&gt;</c> inside <c>&lt;Dial&gt;</c>: bridges to the caller at the front of the named queue.
/// <c>url</c> is played to the dequeued caller before the bridge (Play/Say/Pause/Redirect only).
/// </summary>
public sealed class Queue(string name, Uri? url = null, HttpMethod? method = null) : TwiMLElement("Queue")
{
    public string Name { get; set; } = name ?? throw new ArgumentNullException(nameof(name));

    public Uri? Url { get; set; } = url;

    public HttpMethod? Method { get; set; } = method;

    protected override string? Text => Name;

    protected override IEnumerable<KeyValuePair<string, string?>> GetAttributes() =>
    [
        Attr("url", TwiMLFormat.Url(Url)),
        Attr("method", TwiMLFormat.Method(Method)),
    ];
}
