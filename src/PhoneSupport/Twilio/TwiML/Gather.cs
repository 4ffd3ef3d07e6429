using static PhoneSupport.Twilio.TwiML.TwiMLFormat;

namespace PhoneSupport.Twilio.TwiML;

/// <summary>
/// <c>&lt;Gather&gt;</c>: collects DTMF and/or speech while its nested <c>Say</c>/<c>Play</c>/<c>Pause</c> run.
/// With no input Twilio falls through to the next verb, so always follow it with a fallback.
/// </summary>
public sealed class Gather(
    GatherInput? input = null,
    Uri? action = null,
    HttpMethod? method = null,
    int? timeout = null,
    string? speechTimeout = null,
    string? finishOnKey = null,
    int? numDigits = null,
    string? language = null,
    string? hints = null,
    bool? actionOnEmptyResult = null) : TwiMLVerb("Gather")
{
    /// <summary><c>input</c>: <c>dtmf</c> (Twilio's default), <c>speech</c> or <c>dtmf speech</c>.</summary>
    public GatherInput? Input { get; set; } = input;

    /// <summary><c>action</c>: defaults to the current document URL.</summary>
    public Uri? Action { get; set; } = action;

    public HttpMethod? Method { get; set; } = method;

    /// <summary><c>timeout</c> in seconds (default 5).</summary>
    public int? Timeout { get; set; } = timeout;

    /// <summary><c>speechTimeout</c>: <c>auto</c> or a number of seconds.</summary>
    public string? SpeechTimeout { get; set; } = speechTimeout;

    /// <summary><c>finishOnKey</c>: one of 0-9, <c>#</c>, <c>*</c>, or empty for none (default <c>#</c>).</summary>
    public string? FinishOnKey { get; set; } = finishOnKey;

    public int? NumDigits { get; set; } = numDigits;

    public string? Language { get; set; } = language;

    /// <summary><c>hints</c>: comma-separated words or phrases for speech recognition.</summary>
    public string? Hints { get; set; } = hints;

    /// <summary><c>actionOnEmptyResult</c>: request <c>action</c> even when nothing was gathered.</summary>
    public bool? ActionOnEmptyResult { get; set; } = actionOnEmptyResult;

    public Gather Append(Say say)
    {
        AppendChild(say);
        return this;
    }

    public Gather Append(Play play)
    {
        AppendChild(play);
        return this;
    }

    public Gather Append(Pause pause)
    {
        AppendChild(pause);
        return this;
    }

    public Gather Say(string? message = null, string? voice = null, int? loop = null, string? language = null) =>
        Append(new Say(message, voice, loop, language));

    public Gather Play(Uri? url = null, int? loop = null, string? digits = null) =>
        Append(new Play(url, loop, digits));

    public Gather Pause(int? length = null) => Append(new Pause(length));

    protected override IEnumerable<KeyValuePair<string, string?>> GetAttributes() =>
    [
        Attr("input", TwiMLFormat.Input(Input)),
        Attr("action", Url(Action)),
        Attr("method", TwiMLFormat.Method(Method)),
        Attr("timeout", Int(Timeout)),
        Attr("speechTimeout", SpeechTimeout),
        Attr("finishOnKey", FinishOnKey),
        Attr("numDigits", Int(NumDigits)),
        Attr("language", Language),
        Attr("hints", Hints),
        Attr("actionOnEmptyResult", Bool(ActionOnEmptyResult)),
    ];
}
