using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PhoneSupport.Configuration;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Queue;
using PhoneSupport.Features.Routing;
using PhoneSupport.Twilio;

namespace PhoneSupport.Features.Voice;

public static class VoiceFeature
{
    public static WebApplicationBuilder AddVoice(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => FlowFiles.LoadCatalog(sp.GetRequiredService<IOptions<PhoneSupportOptions>>().Value.FlowsDirectory()));
        builder.Services.AddSingleton(sp => new TwimlRenderer(
            sp.GetRequiredService<IOptions<PhoneSupportOptions>>().Value.BaseUrl, sp.GetRequiredService<IOptions<Routing.RoutingOptions>>().Value.RingSeconds));
        builder.Services.AddScoped<FactsLoader>();
        builder.Services.AddScoped<CallStepReader>();
        builder.Services.AddSingleton<CallStepWriter>();
        builder.Services.AddScoped<CallSteps>();
        builder.Services.AddScoped<VoiceHandler>();
        builder.Services.AddScoped<CallStatusHandler>();
        builder.Services.AddScoped<CallStartWriter>();
        builder.Services.AddScoped<ITransferFallback, TransferFallback>();
        builder.Services.AddScoped<TwilioRequestValidationFilter>();
        return builder;
    }

    /// <summary>Refuses to start with a broken flow: resolves the flow catalog now, not at the first call, and checks each flow has its policy.</summary>
    public static WebApplication CheckFlows(this WebApplication app)
    {
        var catalog = app.Services.GetRequiredService<FlowCatalog>();
        var policies = app.Services.GetRequiredService<Domain.Policies.PolicyCatalog>();
        FlowFiles.CheckFlowsHavePolicies(catalog, policies);
        app.Logger.LogInformation("Loaded IVR flows {Flows} and policies {Policies}", string.Join(", ", catalog.Flows.Select(f => f.Id)),
            string.Join(", ", policies.Policies.Select(p => $"{p.Provider} {p.Version}")));
        return app;
    }

    /// <summary>
    /// The IVR's own webhooks in the signature-checked <c>/twilio</c> group (Program.cs): the incoming call, each step, the call's
    /// status callback, and the connect URL the queue dispatcher redirects a holding caller to.
    /// </summary>
    public static RouteGroupBuilder MapVoiceCalls(this RouteGroupBuilder twilio)
    {
        twilio.MapPost("/voice", async (HttpRequest http, VoiceHandler handler, CancellationToken ct) =>
            await handler.IncomingAsync(VoiceRequest.FromForm(await http.ReadFormAsync(ct)), ct, http.HttpContext.Features.Get<PendingRateLimitHit>()))
            .LimitCallsPerCallerInHandler();
        twilio.MapPost("/voice/step", async (HttpRequest http, VoiceHandler handler, [FromQuery] int? seq, [FromQuery] string? noInput, [FromQuery] string? at,
                CancellationToken ct) =>
            await handler.StepAsync(VoiceRequest.FromForm(await http.ReadFormAsync(ct)), seq, noInput == "1", ct, at));
        twilio.MapPost("/voice/status", async (HttpRequest http, CallStatusHandler handler, [FromQuery] string? leg, [FromQuery] string? call, [FromQuery] Guid? tech,
                CancellationToken ct) =>
            leg == "technician" && call is not null && tech is { } technician
                ? await handler.TechnicianLegStatusAsync(VoiceRequest.FromForm(await http.ReadFormAsync(ct)), call, technician, ct)
                : await handler.StatusAsync(VoiceRequest.FromForm(await http.ReadFormAsync(ct)), ct));
        twilio.MapPost(QueueDispatcher.ConnectPath["/twilio".Length..], async (HttpRequest http, VoiceHandler handler, CancellationToken ct) =>
            await handler.QueueConnectAsync(VoiceRequest.FromForm(await http.ReadFormAsync(ct)), ct));
        return twilio;
    }
}

/// <summary>
/// A webhook that fails still answers Twilio with TwiML the caller can act on, instead of a 500 that makes
/// Twilio play its application-error message.
/// </summary>
internal sealed class VoiceFallbackFilter(ILogger<VoiceFallbackFilter> logger) : IEndpointFilter
{
    public const string Sorry = "We're sorry, we are having technical difficulties. Please call again in a few minutes, or open a ticket on our support website. Goodbye.";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e) when (!context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            logger.LogError(e, "Voice webhook {Path} failed; answered with the apology TwiML", context.HttpContext.Request.Path);
            return (await CallersApologyAsync(context.HttpContext) is { } said ? TwimlRenderer.Apology(said) : TwimlRenderer.Apology(Sorry)).ToResult();
        }
    }

    /// <summary>
    /// The apology in the language of the caller whose call this webhook is (its <c>CallSid</c> is a call the IVR answered), looked
    /// up with a fresh scope and a short deadline; null (English) when the call is not known or the look-up fails too.
    /// </summary>
    private async Task<Domain.Calls.Utterance?> CallersApologyAsync(HttpContext http)
    {
        try
        {
            if (!http.Request.HasFormContentType || (await http.Request.ReadFormAsync(http.RequestAborted))["CallSid"].ToString() is not { Length: > 0 } callSid) return null;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2), http.RequestServices.GetRequiredService<TimeProvider>());
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, timeout.Token);
            await using var scope = http.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<Data.PhoneSupportDb>();
            var call = await db.Calls.AsNoTracking().Where(c => c.CallSid == callSid).Select(c => new { c.FlowId, c.Language }).FirstOrDefaultAsync(deadline.Token);
            return call is not null && scope.ServiceProvider.GetRequiredService<FlowCatalog>().ById(call.FlowId) is { } flow
                ? Domain.Calls.IvrEngine.Apology(flow, call.Language) : null;
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            logger.LogWarning(e, "The caller's language for the apology could not be read; apologising in English");
            return null;
        }
    }
}
