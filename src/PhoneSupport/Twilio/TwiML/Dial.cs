using static PhoneSupport.Twilio.TwiML.TwiMLFormat;

namespace PhoneSupport.Twilio.TwiML;

/// <summary>
/// <c>&lt;Dial&gt;</c>: connects the caller to a plain number (text) or to <c>Number</c>/<c>Queue</c> nouns.
/// With <c>action</c> set, the verbs after it are unreachable.
/// </summary>
public sealed class Dial(
    string? number = null,
    Uri? action = null,
    HttpMethod? method = null,
    int? timeout = null,
    int? timeLimit = null,
    string? callerId = null,
    DialRecord? record = null,
    bool? answerOnBridge = null,
    string? ringTone = null) : TwiMLVerb("Dial")
{
    /// <summary>A plain number written as the element text; use <see cref="Number(string, string?, Uri?, HttpMethod?, IEnumerable{CallProgressEvent}?, Uri?, HttpMethod?)"/> for attributes.</summary>
    public string? PhoneNumber { get; set; } = number;

    public Uri? Action { get; set; } = action;

    public HttpMethod? Method { get; set; } = method;

    /// <summary><c>timeout</c>: seconds to ring (default 30).</summary>
    public int? Timeout { get; set; } = timeout;

    /// <summary><c>timeLimit</c>: maximum call length in seconds (default 14400).</summary>
    public int? TimeLimit { get; set; } = timeLimit;

    public string? CallerId { get; set; } = callerId;

    public DialRecord? Record { get; set; } = record;

    /// <summary><c>answerOnBridge</c>: keep the caller hearing ringing until the callee answers.</summary>
    public bool? AnswerOnBridge { get; set; } = answerOnBridge;

    /// <summary><c>ringTone</c>: a two-letter country code or <c>us-old</c>.</summary>
    public string? RingTone { get; set; } = ringTone;

    public Dial Append(Number number)
    {
        AppendChild(number);
        return this;
    }

    public Dial Append(Queue queue)
    {
        AppendChild(queue);
        return this;
    }

    public Dial Number(
        string phoneNumber,
        string? sendDigits = null,
        Uri? url = null,
        HttpMethod? method = null,
        IEnumerable<CallProgressEvent>? statusCallbackEvent = null,
        Uri? statusCallback = null,
        HttpMethod? statusCallbackMethod = null) =>
        Append(new Number(phoneNumber, sendDigits, url, method, statusCallbackEvent, statusCallback, statusCallbackMethod));

    public Dial Queue(string name, Uri? url = null, HttpMethod? method = null) => Append(new Queue(name, url, method));

    protected override string? Text => PhoneNumber;

    protected override IEnumerable<KeyValuePair<string, string?>> GetAttributes() =>
    [
        Attr("action", Url(Action)),
        Attr("method", TwiMLFormat.Method(Method)),
        Attr("timeout", Int(Timeout)),
        Attr("timeLimit", Int(TimeLimit)),
        Attr("callerId", CallerId),
        Attr("record", Kebab(Record)),
        Attr("answerOnBridge", Bool(AnswerOnBridge)),
        Attr("ringTone", RingTone),
    ];
}
