using static PhoneSupport.Twilio.TwiML.TwiMLFormat;

namespace PhoneSupport.Twilio.TwiML;

/// <summary><c>&lt;Play loop digits&gt;url&lt;/Play&gt;</c>: an audio file, or DTMF tones via <c>digits</c>.</summary>
public sealed class Play(Uri? url = null, int? loop = null, string? digits = null) : TwiMLVerb("Play")
{
    /// <summary>The audio URL, written as given (<see cref="Uri.OriginalString"/>).</summary>
    public Uri? Url { get; set; } = url;

    public int? Loop { get; set; } = loop;

    /// <summary><c>digits</c>: DTMF to play instead of a URL (<c>w</c> waits half a second).</summary>
    public string? Digits { get; set; } = digits;

    protected override string? Text => TwiMLFormat.Url(Url);

    protected override IEnumerable<KeyValuePair<string, string?>> GetAttributes() =>
    [
        Attr("loop", Int(Loop)),
        Attr("digits", Digits),
    ];
}
