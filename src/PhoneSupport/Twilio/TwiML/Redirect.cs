using static PhoneSupport.Twilio.TwiML.TwiMLFormat;

namespace PhoneSupport.Twilio.TwiML;

/// <summary><c>&lt;Redirect method&gt;url&lt;/Redirect&gt;</c>: continue with the TwiML at another URL.</summary>
public sealed class Redirect(Uri url, HttpMethod? method = null) : TwiMLVerb("Redirect")
{
    /// <summary>The next document's URL, written as given; relative URLs resolve against the current one.</summary>
    public Uri Url { get; set; } = url ?? throw new ArgumentNullException(nameof(url));

    /// <summary><c>method</c>: <c>POST</c> by default.</summary>
    public HttpMethod? Method { get; set; } = method;

    protected override string? Text => TwiMLFormat.Url(Url);

    protected override IEnumerable<KeyValuePair<string, string?>> GetAttributes() =>
    [
        Attr("method", TwiMLFormat.Method(Method)),
    ];
}
