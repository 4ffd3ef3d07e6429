using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PhoneSupport.Configuration;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Twilio;

namespace PhoneSupport.Features.Routing;

public static class RoutingFeature
{
    public static WebApplicationBuilder AddCallRouting(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section)
            .Validate(o => o.WrapUp >= TimeSpan.Zero && o.ReservationTimeout > TimeSpan.Zero && o.MaxTechniciansPerCall > 0 && o.RingSeconds is >= 5 and <= 600,
                "PhoneSupport:Routing: WrapUp must not be negative, ReservationTimeout and MaxTechniciansPerCall must be positive, RingSeconds 5-600.")
            .ValidateOnStart();
        builder.Services.AddScoped<TechnicianRouter>();
        builder.Services.AddScoped<CallbackScheduler>();
        builder.Services.AddScoped<TransferService>();
        builder.Services.AddScoped(sp => new WhisperHandler(
            sp.GetRequiredService<Data.PhoneSupportDb>(), sp.GetRequiredService<TechnicianRouter>(), sp.GetRequiredService<Domain.Flows.FlowCatalog>(),
            sp.GetRequiredService<IOptions<PhoneSupportOptions>>().Value, sp.GetRequiredService<Sla.SlaRecorder>(), sp.GetRequiredService<NodaTime.IClock>()));
        return builder;
    }

    /// <summary>The technician's leg: whisper and accept. In the signature-checked <c>/twilio</c> group.</summary>
    public static RouteGroupBuilder MapWhisper(this RouteGroupBuilder twilio)
    {
        twilio.MapPost("/voice/whisper", async ([FromQuery] string call, [FromQuery] Guid tech, WhisperHandler handler, CancellationToken ct) =>
            await handler.WhisperAsync(call, tech, ct));
        twilio.MapPost("/voice/whisper/answer", async (HttpRequest http, [FromQuery] string call, [FromQuery] Guid tech, [FromQuery] string? flow, [FromQuery] string? lang,
                WhisperHandler handler, CancellationToken ct) =>
            await handler.AnswerAsync(call, tech, VoiceRequest.FromForm(await http.ReadFormAsync(ct)).Digits, ct, flow, lang));
        return twilio;
    }
}
