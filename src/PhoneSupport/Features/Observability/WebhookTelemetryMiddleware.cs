using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace PhoneSupport.Features.Observability;

/// <summary>
/// Around every Twilio and Stripe webhook: a logging scope with the call's <c>CallSid</c> (so every line the webhook
/// logs names its call), an activity of the <c>PhoneSupport</c> source in the call's own trace (see
/// <see cref="PhoneSupportTelemetry.TraceIdFor"/>), linked to the HTTP request's activity, and the latency histogram
/// tagged with the route pattern and status code (never the raw path, never a phone number).
/// </summary>
public sealed class WebhookTelemetryMiddleware(RequestDelegate next, PhoneSupportTelemetry telemetry, TimeProvider time, ILogger<WebhookTelemetryMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        var twilio = path.StartsWithSegments("/twilio");
        if (!twilio && !path.StartsWithSegments("/stripe"))
        {
            await next(context);
            return;
        }

        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? (twilio ? "/twilio/(unmatched)" : "/stripe/(unmatched)");
        var callSid = twilio ? await CallSidAsync(context) : null;
        var started = time.GetTimestamp();

        var request = Activity.Current;
        var parent = callSid is null ? default : new ActivityContext(PhoneSupportTelemetry.TraceIdFor(callSid), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var links = request is null ? null : new[] { new ActivityLink(request.Context) };
        using var activity = callSid is null
            ? PhoneSupportTelemetry.Source.StartActivity($"webhook {route}", ActivityKind.Server)
            : PhoneSupportTelemetry.Source.StartActivity($"webhook {route}", ActivityKind.Server, parent, links: links);
        activity?.SetTag(PhoneSupportTelemetry.RouteTag, route);
        if (callSid is not null) activity?.SetTag(PhoneSupportTelemetry.CallSidTag, callSid);

        using var scope = callSid is null
            ? logger.BeginScope(new Dictionary<string, object?> { ["Route"] = route })
            : logger.BeginScope(new Dictionary<string, object?> { ["CallSid"] = callSid, ["Route"] = route });
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        finally
        {
            activity?.SetTag(PhoneSupportTelemetry.StatusTag, status);
            if (status >= 500) activity?.SetStatus(ActivityStatusCode.Error);
            telemetry.WebhookDuration.Record(time.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>(PhoneSupportTelemetry.RouteTag, route),
                new KeyValuePair<string, object?>(PhoneSupportTelemetry.StatusTag, status));
        }
    }

    /// <summary>Twilio's CallSid from the form (read once and buffered; the endpoint reads the same form).</summary>
    private static async Task<string?> CallSidAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType) return null;
        try
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var sid = form["CallSid"].ToString();
            return sid.Length is > 0 and <= 64 ? sid : null;
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            return null;
        }
    }
}
