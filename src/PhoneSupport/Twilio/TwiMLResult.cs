using System.Text;
using System.Xml.Linq;
using TwilioTwiML = Twilio.TwiML.TwiML;

namespace PhoneSupport.Twilio;

/// <summary>
/// Writes a TwiML document built with the Twilio library (<c>Twilio.TwiML.VoiceResponse</c>, <c>MessagingResponse</c>)
/// as a 200 with UTF-8 bytes on one line (no byte-order mark, nothing before the XML declaration) and
/// <c>Content-Type: application/xml; charset=utf-8</c>; a document over Twilio's 64 kB limit is refused before anything is written.
/// </summary>
public sealed class TwiMLResult(TwilioTwiML response) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    public const string MediaType = "application/xml; charset=utf-8";

    /// <summary>Twilio rejects TwiML bodies larger than 64 kB (error 11750).</summary>
    public const int MaxDocumentBytes = 64 * 1024;

    public TwilioTwiML Response { get; } = response ?? throw new ArgumentNullException(nameof(response));

    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public string ContentType => MediaType;

    /// <summary>The document as sent: the library's XML declaration and the element tree, without formatting.</summary>
    /// <exception cref="TwiMLTooLargeException">The UTF-8 document exceeds <see cref="MaxDocumentBytes"/>.</exception>
    public byte[] ToUtf8Bytes()
    {
        var body = Encoding.UTF8.GetBytes(Response.ToString(SaveOptions.DisableFormatting));
        if (body.Length > MaxDocumentBytes)
        {
            throw new TwiMLTooLargeException(body.Length, MaxDocumentBytes);
        }

        return body;
    }

    /// <exception cref="TwiMLTooLargeException">The document exceeds Twilio's 64 kB limit.</exception>
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var body = ToUtf8Bytes();
        httpContext.Response.StatusCode = StatusCode;
        httpContext.Response.ContentType = MediaType;
        httpContext.Response.ContentLength = body.Length;
        await httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted);
    }
}

public static class TwiMLResultExtensions
{
    /// <summary>Wraps the response for a minimal-API handler: <c>return response.ToResult();</c></summary>
    public static TwiMLResult ToResult(this TwilioTwiML response) => new(response);
}
