using System.Globalization;
using System.Net;
using System.Xml.Linq;

namespace PhoneSupport.Emulators.Twilio;

/// <summary>A TwiML <c>&lt;Response&gt;</c> and the URL it was fetched from (the base for relative URLs).</summary>
internal sealed record TwimlDocument(string Url, XElement Root)
{
    public IEnumerable<XElement> Verbs => Root.Elements();

    /// <summary>
    /// Resolves an <c>action</c>/<c>url</c>/<c>&lt;Redirect&gt;</c> target the way Twilio does: absolute http(s)
    /// URLs are used exactly as written, anything else is resolved against this document's URL. A
    /// connection-override fragment (<c>#rc=2</c>) is never sent, so it is dropped. Null when blank.
    /// </summary>
    public string? Resolve(string? target)
    {
        if (string.IsNullOrWhiteSpace(target))
        {
            return null;
        }

        target = target.Trim();
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            target = target[..hash];
        }

        if (Uri.TryCreate(target, UriKind.Absolute, out var absolute)
            && (absolute.Scheme == Uri.UriSchemeHttp || absolute.Scheme == Uri.UriSchemeHttps))
        {
            return target;
        }

        return new Uri(new Uri(Url), target).AbsoluteUri;
    }
}

/// <summary>Reading TwiML attributes with Twilio's defaults.</summary>
internal static class Twiml
{
    public static string? Attr(this XElement element, string name) => element.Attribute(name)?.Value;

    public static int? IntAttr(this XElement element, string name) =>
        int.TryParse(element.Attr(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static bool BoolAttr(this XElement element, string name, bool defaultValue) =>
        element.Attr(name) is { } text ? string.Equals(text, "true", StringComparison.OrdinalIgnoreCase) : defaultValue;

    public static string Method(this XElement element, string attribute = "method") =>
        string.Equals(element.Attr(attribute), "GET", StringComparison.OrdinalIgnoreCase) ? "GET" : "POST";

    /// <summary>The element's text with whitespace runs collapsed (SSML children contribute their text).</summary>
    public static string Text(this XElement element) =>
        string.Join(' ', element.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>A Twilio-style SID: a two-letter prefix and 32 lowercase hex digits.</summary>
    public static string NewSid(string prefix) => prefix + Guid.NewGuid().ToString("N");

    /// <summary>RFC 2822, as in Twilio's <c>Timestamp</c> parameter: <c>Sun, 25 Mar 2018 09:53:19 +0000</c>.</summary>
    public static string Rfc2822(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    public static string Seconds(TimeSpan time) =>
        ((long)Math.Round(time.TotalSeconds, MidpointRounding.AwayFromZero)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Parameters with <paramref name="extra"/> added; an extra with an existing name replaces it.</summary>
    public static List<KeyValuePair<string, string>> With(
        this IEnumerable<KeyValuePair<string, string>> parameters, params (string Name, string Value)[] extra)
    {
        var names = extra.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var list = parameters.Where(p => !names.Contains(p.Key)).ToList();
        list.AddRange(extra.Select(e => KeyValuePair.Create(e.Name, e.Value)));
        return list;
    }

    /// <summary>A GET webhook: the parameters appended to the query string, form-encoded.</summary>
    public static string AppendQuery(string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var query = string.Join('&', parameters.Select(p => $"{WebUtility.UrlEncode(p.Key)}={WebUtility.UrlEncode(p.Value)}"));
        return query.Length == 0 ? url : url + (url.Contains('?', StringComparison.Ordinal) ? '&' : '?') + query;
    }
}
