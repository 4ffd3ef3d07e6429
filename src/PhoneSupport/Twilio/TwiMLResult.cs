using PhoneSupport.Twilio.TwiML;

namespace PhoneSupport.Twilio;

/// <summary>
/// Writes a <see cref="VoiceResponse"/> as a 200 with UTF-8 bytes (no byte-order mark, nothing before the XML
/// declaration) and <c>Content-Type: application/xml; charset=utf-8</c>.
/// </summary>
public sealed class TwiMLResult(VoiceResponse response) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    public const string MediaType = "application/xml; charset=utf-8";

    public VoiceResponse Response { get; } = response ?? throw new ArgumentNullException(nameof(response));

    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public string ContentType => MediaType;

    /// <exception cref="TwiMLTooLargeException">The document exceeds Twilio's 64 kB limit.</exception>
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var body = Response.ToUtf8Bytes();
        httpContext.Response.StatusCode = StatusCode;
        httpContext.Response.ContentType = MediaType;
        httpContext.Response.ContentLength = body.Length;
        await httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted);
    }
}

public static class TwiMLResultExtensions
{
    /// <summary>Wraps the response for a minimal-API handler: <c>return response.ToResult();</c></summary>
    public static TwiMLResult ToResult(this VoiceResponse response) => new(response);
}
