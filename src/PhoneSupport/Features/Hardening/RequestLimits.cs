using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace PhoneSupport.Features.Hardening;

/// <summary>
/// <c>PhoneSupport:RequestLimits</c>: the largest request body each kind of caller may send. Twilio's forms are a few
/// kilobytes; Stripe's event bodies stay well under a megabyte; the admin API's JSON is small.
/// </summary>
public sealed class RequestLimitOptions
{
    public const string Section = "PhoneSupport:RequestLimits";

    /// <summary>Bodies under <c>/twilio</c> (form-encoded webhooks).</summary>
    [Range(1024, long.MaxValue)]
    public long TwilioBytes { get; set; } = 64 * 1024;

    /// <summary>Bodies under <c>/stripe</c> (webhook events).</summary>
    [Range(1024, long.MaxValue)]
    public long StripeBytes { get; set; } = 1024 * 1024;

    /// <summary>Every other body (the admin API's JSON, console forms).</summary>
    [Range(1024, long.MaxValue)]
    public long DefaultBytes { get; set; } = 1024 * 1024;

    public long For(PathString path) =>
        path.StartsWithSegments("/twilio") ? TwilioBytes : path.StartsWithSegments("/stripe") ? StripeBytes : DefaultBytes;
}

/// <summary>
/// Refuses a body over its path's limit: up front from <c>Content-Length</c> (413 problem+json, nothing read), and for
/// chunked bodies by lowering Kestrel's per-request limit, so reading past it fails with 413 too.
/// </summary>
public sealed class RequestSizeLimitMiddleware(RequestDelegate next, IOptions<RequestLimitOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = options.Value.For(context.Request.Path);
        if (context.Request.ContentLength > limit)
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
                detail: $"This endpoint accepts bodies up to {limit} bytes.").ExecuteAsync(context);
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = limit;
        await next(context);
    }
}
