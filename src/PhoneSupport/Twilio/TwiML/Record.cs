using static PhoneSupport.Twilio.TwiML.TwiMLFormat;

namespace PhoneSupport.Twilio.TwiML;

/// <summary><c>&lt;Record … /&gt;</c>: records the caller and requests <c>action</c> with <c>RecordingUrl</c>.</summary>
public sealed class Record(
    Uri? action = null,
    HttpMethod? method = null,
    int? timeout = null,
    string? finishOnKey = null,
    int? maxLength = null,
    bool? playBeep = null,
    RecordTrim? trim = null,
    bool? transcribe = null) : TwiMLVerb("Record")
{
    public Uri? Action { get; set; } = action;

    public HttpMethod? Method { get; set; } = method;

    /// <summary><c>timeout</c>: seconds of silence that end the recording (default 5).</summary>
    public int? Timeout { get; set; } = timeout;

    /// <summary><c>finishOnKey</c>: keys that end the recording (default <c>1234567890*#</c>).</summary>
    public string? FinishOnKey { get; set; } = finishOnKey;

    /// <summary><c>maxLength</c> in seconds (default 3600).</summary>
    public int? MaxLength { get; set; } = maxLength;

    public bool? PlayBeep { get; set; } = playBeep;

    public RecordTrim? Trim { get; set; } = trim;

    public bool? Transcribe { get; set; } = transcribe;

    /// <summary><c>recordingStatusCallback</c>: Twilio POSTs <c>RecordingSid</c>, <c>RecordingUrl</c>, <c>RecordingDuration</c> and <c>RecordingStatus</c> when the recording is ready.</summary>
    public Uri? RecordingStatusCallback { get; set; }

    protected override IEnumerable<KeyValuePair<string, string?>> GetAttributes() =>
    [
        Attr("action", Url(Action)),
        Attr("method", TwiMLFormat.Method(Method)),
        Attr("timeout", Int(Timeout)),
        Attr("finishOnKey", FinishOnKey),
        Attr("maxLength", Int(MaxLength)),
        Attr("playBeep", Bool(PlayBeep)),
        Attr("trim", Kebab(Trim)),
        Attr("transcribe", Bool(Transcribe)),
        Attr("recordingStatusCallback", Url(RecordingStatusCallback)),
    ];
}
