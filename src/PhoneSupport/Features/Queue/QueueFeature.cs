using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Configuration;
using PhoneSupport.Features.Voice;
using PhoneSupport.Twilio;
using PhoneSupport.Twilio.TwiML;

namespace PhoneSupport.Features.Queue;

public static class QueueFeature
{
    public static WebApplicationBuilder AddPriorityQueue(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<QueueOptions>().BindConfiguration(QueueOptions.Section)
            .Validate(o => o.AverageHandleTime > TimeSpan.Zero && o.PollInterval > TimeSpan.Zero && o.OfferCallbackAfter >= TimeSpan.Zero,
                "PhoneSupport:Queue: AverageHandleTime and PollInterval must be positive.")
            .ValidateOnStart();
        builder.Services.AddScoped<QueueService>();
        builder.Services.AddScoped<QueueDispatcher>();
        builder.Services.AddHostedService<QueueDispatcherService>();
        return builder;
    }

    /// <summary>The holding caller's wait URL, their choice, and the connect URL the dispatcher redirects to.</summary>
    public static RouteGroupBuilder MapQueue(this RouteGroupBuilder twilio)
    {
        twilio.MapPost("/voice/queue/wait", async ([FromQuery] string call, QueueService queue, IOptions<QueueOptions> options,
            IOptions<PhoneSupportOptions> service, IClock clock, CancellationToken ct) =>
        {
            var (position, estimate, entry) = await queue.PositionAsync(call, ct);
            var response = new VoiceResponse();
            if (position is null || entry is null) return response.Pause(2).ToResult();
            var minutes = Math.Max(1, (int)Math.Ceiling(estimate.TotalMinutes));
            var said = $"You are number {position} in line. The estimated wait is about {minutes} minute{(minutes == 1 ? "" : "s")}.";
            if (clock.GetCurrentInstant() - entry.EnqueuedAt >= Duration.FromTimeSpan(options.Value.OfferCallbackAfter))
            {
                var gather = new Gather(input: GatherInput.Dtmf, numDigits: 1, timeout: 6, method: HttpMethod.Post,
                    action: new Uri($"{service.Value.BaseUrl}/twilio/voice/queue/choice?call={call}"));
                gather.Say(said + " To keep holding, press 1. To get a call back instead, press 2.", voice: "Polly.Joanna", language: "en-US");
                return response.Append(gather).ToResult();
            }
            return response.Say(said, voice: "Polly.Joanna", language: "en-US").Pause(20).ToResult();
        });
        twilio.MapPost("/voice/queue/choice", async (HttpRequest http, [FromQuery] string call, CancellationToken ct) =>
        {
            var digits = VoiceRequest.FromForm(await http.ReadFormAsync(ct)).Digits;
            // 2: out of the queue; the Enqueue action (QueueResult=leave) takes the flow to its callback offer.
            return digits is ['2', ..]
                ? new VoiceResponse().Leave().ToResult()
                : new VoiceResponse().Say("Thank you for holding.", voice: "Polly.Joanna", language: "en-US").Pause(20).ToResult();
        });
        twilio.MapPost(QueueDispatcher.ConnectPath["/twilio".Length..], async (HttpRequest http, VoiceHandler handler, CancellationToken ct) =>
            await handler.QueueConnectAsync(VoiceRequest.FromForm(await http.ReadFormAsync(ct)), ct));
        return twilio;
    }
}
