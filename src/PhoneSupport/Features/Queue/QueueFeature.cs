using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Configuration;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Twilio;
using Twilio.TwiML;
using Gather = Twilio.TwiML.Voice.Gather;
using HttpMethod = Twilio.Http.HttpMethod;

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

    /// <summary>The holding caller's wait URL and their choice (the connect URL the dispatcher redirects to is Voice's: <c>VoiceFeature.MapVoiceCalls</c>).</summary>
    public static RouteGroupBuilder MapQueue(this RouteGroupBuilder twilio)
    {
        twilio.MapPost("/voice/queue/wait", async ([FromQuery] string call, QueueService queue, PhoneSupportDb db, FlowCatalog flows, IOptions<QueueOptions> options,
            IOptions<PhoneSupportOptions> service, IClock clock, CancellationToken ct) =>
        {
            var (position, estimate, entry) = await queue.PositionAsync(call, ct);
            var response = new VoiceResponse();
            if (position is null || entry is null || await HolderAsync(db, flows, call, ct) is not var (flow, session)) return response.Pause(2).ToResult();
            // The caller's language and voice, from the call's session: the queue step's texts (or the built-in ones).
            var offer = clock.GetCurrentInstant() - entry.EnqueuedAt >= Duration.FromTimeSpan(options.Value.OfferCallbackAfter);
            var said = IvrEngine.QueueWait(flow, session, position.Value, estimate, offer);
            if (offer)
            {
                var gather = new Gather(input: [Gather.InputEnum.Dtmf], numDigits: 1, timeout: 6, method: HttpMethod.Post,
                    action: new Uri($"{service.Value.BaseUrl}/twilio/voice/queue/choice?call={call}"));
                gather.Utter(said.Text, said.Voice, said.Language);
                return response.Append(gather).ToResult();
            }
            return response.Utter(said.Text, said.Voice, said.Language).Pause(20).ToResult();
        });
        twilio.MapPost("/voice/queue/choice", async (HttpRequest http, [FromQuery] string call, PhoneSupportDb db, FlowCatalog flows, CancellationToken ct) =>
        {
            var digits = VoiceRequest.FromForm(await http.ReadFormAsync(ct)).Digits;
            // 2: out of the queue; the Enqueue action (QueueResult=leave) takes the flow to its callback offer.
            if (digits is ['2', ..]) return new VoiceResponse().Leave().ToResult();
            if (await HolderAsync(db, flows, call, ct) is not var (flow, session)) return new VoiceResponse().Pause(20).ToResult();
            var said = IvrEngine.QueueHolding(flow, session);
            return new VoiceResponse().Utter(said.Text, said.Voice, said.Language).Pause(20).ToResult();
        });
        return twilio;
    }

    /// <summary>The holding call's flow and session (its language), or null when the call or its flow is unknown.</summary>
    private static async Task<(Flow Flow, CallSession Session)?> HolderAsync(PhoneSupportDb db, FlowCatalog flows, string callSid, CancellationToken ct)
    {
        var record = await db.Calls.AsNoTracking().FirstOrDefaultAsync(c => c.CallSid == callSid, ct);
        return record is not null && flows.ById(record.FlowId) is { } flow ? (flow, record.ToSession()) : null;
    }
}
