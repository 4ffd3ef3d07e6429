using static PhoneSupport.Twilio.TwiML.TwiMLFormat;

namespace PhoneSupport.Twilio.TwiML;

/// <summary><c>&lt;Say voice loop language&gt;text&lt;/Say&gt;</c>: text-to-speech.</summary>
public sealed class Say(string? message = null, string? voice = null, int? loop = null, string? language = null)
    : TwiMLVerb("Say")
{
    public string? Message { get; set; } = message;

    /// <summary><c>voice</c>, e.g. <c>Polly.Joanna</c>; Twilio's default is <c>man</c>.</summary>
    public string? Voice { get; set; } = voice;

    /// <summary><c>loop</c>: how many times to say it; 0 repeats until hang-up.</summary>
    public int? Loop { get; set; } = loop;

    /// <summary><c>language</c>, BCP-47 with the region upper case (<c>en-US</c>).</summary>
    public string? Language { get; set; } = language;

    protected override string? Text => Message;

    protected override IEnumerable<KeyValuePair<string, string?>> GetAttributes() =>
    [
        Attr("voice", Voice),
        Attr("loop", Int(Loop)),
        Attr("language", Language),
    ];
}
