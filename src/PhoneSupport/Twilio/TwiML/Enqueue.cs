using static PhoneSupport.Twilio.TwiML.TwiMLFormat;

namespace PhoneSupport.Twilio.TwiML;

/// <summary>
/// <c>&lt;Enqueue&gt;</c>: puts the caller in the named queue (created on demand, name at most 64 characters).
/// When the caller leaves, Twilio requests <c>action</c> with <c>QueueResult</c> and <c>QueueTime</c>.
/// </summary>
public sealed class Enqueue(
    string? name = null,
    Uri? action = null,
    int? maxQueueSize = null,
    HttpMethod? method = null,
    Uri? waitUrl = null,
    HttpMethod? waitUrlMethod = null) : TwiMLVerb("Enqueue")
{
    public string? Name { get; set; } = name;

    public Uri? Action { get; set; } = action;

    public int? MaxQueueSize { get; set; } = maxQueueSize;

    public HttpMethod? Method { get; set; } = method;

    /// <summary><c>waitUrl</c>: TwiML played while the caller waits (Twilio's hold music by default).</summary>
    public Uri? WaitUrl { get; set; } = waitUrl;

    public HttpMethod? WaitUrlMethod { get; set; } = waitUrlMethod;

    protected override string? Text => Name;

    protected override IEnumerable<KeyValuePair<string, string?>> GetAttributes() =>
    [
        Attr("action", Url(Action)),
        Attr("maxQueueSize", Int(MaxQueueSize)),
        Attr("method", TwiMLFormat.Method(Method)),
        Attr("waitUrl", Url(WaitUrl)),
        Attr("waitUrlMethod", TwiMLFormat.Method(WaitUrlMethod)),
    ];
}
