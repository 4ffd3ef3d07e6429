using Microsoft.AspNetCore.Mvc;
using PhoneSupport.Twilio;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Features.Callbacks;

public static class CallbacksFeature
{
    public static WebApplicationBuilder AddCallbacks(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CallbackOptions>().BindConfiguration(CallbackOptions.Section)
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.LeaseTime > TimeSpan.Zero && o.MaxAttempts > 0 && o.RetryAfter >= TimeSpan.Zero,
                "PhoneSupport:Callbacks: PollInterval, LeaseTime and MaxAttempts must be positive.")
            .Validate(o => o.EscalationPhoneNumber is null or "" || System.Text.RegularExpressions.Regex.IsMatch(o.EscalationPhoneNumber, @"^\+[1-9][0-9]{6,14}$"),
                "PhoneSupport:Callbacks:EscalationPhoneNumber must be an E.164 number like +17035550100.")
            .ValidateOnStart();
        builder.Services.AddTwilioRestClient();
        builder.Services.AddScoped<CallbackLeases>();
        builder.Services.AddScoped<LeaseTakeover>();
        builder.Services.AddScoped<TechnicianLegDialler>();
        builder.Services.AddScoped<CallbackEscalation>();
        builder.Services.AddScoped<CallbackDispatcher>();
        builder.Services.AddScoped<CallbackCallHandler>();
        builder.Services.AddScoped<CallbackLegLedger>();
        builder.Services.AddHostedService<CallbackDispatcherService>();
        return builder;
    }

    /// <summary>The callback call's TwiML, in the signature-checked <c>/twilio</c> group.</summary>
    public static RouteGroupBuilder MapCallbackCalls(this RouteGroupBuilder twilio)
    {
        twilio.MapPost("/voice/callback", async (HttpRequest http, [FromQuery] Guid cb, CallbackCallHandler handler, CancellationToken ct) =>
            await handler.TechnicianAnsweredAsync(cb, VoiceRequest.FromForm(await http.ReadFormAsync(ct)), ct));
        twilio.MapPost("/voice/callback/accept", async (HttpRequest http, [FromQuery] Guid cb, CallbackCallHandler handler, CancellationToken ct) =>
            await handler.TechnicianKeyedAsync(cb, VoiceRequest.FromForm(await http.ReadFormAsync(ct)), ct));
        twilio.MapPost("/voice/callback/dialed", async (HttpRequest http, [FromQuery] Guid cb, CallbackCallHandler handler, CancellationToken ct) =>
            await handler.CustomerDialEndedAsync(cb, VoiceRequest.FromForm(await http.ReadFormAsync(ct)), ct));
        twilio.MapPost("/voice/callback/status", async (HttpRequest http, [FromQuery] Guid cb, CallbackCallHandler handler, CancellationToken ct) =>
            await handler.TechnicianLegStatusAsync(cb, VoiceRequest.FromForm(await http.ReadFormAsync(ct)), ct));
        return twilio;
    }
}
