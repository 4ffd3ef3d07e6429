using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Configuration;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Domain.Routing;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Routing;
using PhoneSupport.Twilio;
using Twilio.TwiML;
using Dial = Twilio.TwiML.Voice.Dial;
using Gather = Twilio.TwiML.Voice.Gather;
using HttpMethod = Twilio.Http.HttpMethod;

namespace PhoneSupport.Features.Callbacks;

/// <summary>
/// The TwiML of a callback's outbound call: the technician answers, hears whom to call back and presses 1;
/// the customer is dialled into the call; the dial action marks the callback completed or schedules the
/// next attempt (bounded, spaced). Every transition is conditional on the callback's state and Twilio call,
/// so repeated or late webhooks change nothing twice.
/// </summary>
public sealed class CallbackCallHandler(
    PhoneSupportDb db, TechnicianRouter router, CallbackLegLedger legs, PolicyCatalog policies, FlowCatalog flows, Billing.IncidentService incidents,
    Sla.SlaRecorder slas, IOptions<CallbackOptions> options, IOptions<PhoneSupportOptions> service, IClock clock)
{
    public const string Path = "/twilio/voice/callback";

    /// <summary>What a leg that is not the callback's current one hears (in English; in German for a German-speaking technician).</summary>
    public static readonly string HandledElsewhere = CallbackLine.Say(Speech.English, CallbackLine.Line.HandledElsewhere);

    public async Task<IResult> TechnicianAnsweredAsync(Guid id, VoiceRequest request, CancellationToken ct)
    {
        // Only the callback's current leg is offered the callback: a late or repeated create that rang anyway is refused.
        if (request.CallSid is { } legSid && await legs.RecordAsync(id, legSid, request.To, "webhook", ct) is LegStanding.NotCurrent)
            return (await VoiceAsync(null, request.To, ct)).Say(CallbackLine.Line.HandledElsewhere).Hangup().ToResult();
        var callback = await db.Callbacks.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        var voice = await VoiceAsync(callback, request.To, ct);
        if (callback is not { Status: CallbackStatus.Dialing })
            return voice.Say(CallbackLine.Line.NoLongerWaiting).Hangup().ToResult();
        var account = callback.AccountId is { } a ? await db.Accounts.AsNoTracking().Where(x => x.Id == a).Select(x => x.Name).FirstOrDefaultAsync(ct) : null;
        var zone = policies.At(callback.Provider, callback.CreatedAt)!.Coverage.Zone;
        var gather = new Gather(input: [Gather.InputEnum.Dtmf], numDigits: 1, timeout: 8, method: HttpMethod.Post,
            action: new Uri($"{service.Value.BaseUrl}{Path}/accept?cb={id:N}"));
        gather.Utter(CallbackLine.Offer(voice.Speech, account, callback.DueAt.InZone(zone).LocalDateTime, callback.Attempts), voice.Voice, voice.Language);
        return new VoiceResponse().Append(gather).Utter(CallbackLine.Say(voice.Speech, CallbackLine.Line.NoAnswer), voice.Voice, voice.Language).Hangup().ToResult();
    }

    public async Task<IResult> TechnicianKeyedAsync(Guid id, VoiceRequest request, CancellationToken ct)
    {
        var callback = await db.Callbacks.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        var voice = await VoiceAsync(callback, request.To, ct);
        if (callback is { Status: CallbackStatus.Dialing } && request.CallSid is { } legSid && callback.TwilioCallSid != legSid)
            return voice.Say(CallbackLine.Line.HandledElsewhere).Hangup().ToResult();
        if (callback is not { Status: CallbackStatus.Dialing, TechnicianId: { } technician } || request.Digits is not ['1', ..])
            return voice.Say(CallbackLine.Line.Passed).Hangup().ToResult();
        await router.AcceptAsync(technician, TechnicianLegDialler.Key(callback), ct);
        var from = flows.Flows.First(f => f.Provider == callback.Provider).Numbers[0];
        var dial = new Dial(action: new Uri($"{service.Value.BaseUrl}{Path}/dialed?cb={id:N}"), method: HttpMethod.Post, timeout: 30, callerId: from);
        dial.Number(new global::Twilio.Types.PhoneNumber(callback.PhoneNumber));
        return voice.Say(CallbackLine.Line.CallingCustomer).Append(dial).ToResult();
    }

    public async Task<IResult> CustomerDialEndedAsync(Guid id, VoiceRequest request, CancellationToken ct)
    {
        var callback = await db.Callbacks.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (callback is null || callback.TechnicianId is not { } technician) return new VoiceResponse().Hangup().ToResult();
        var voice = await VoiceAsync(callback, null, ct);
        var now = clock.GetCurrentInstant();
        var bridged = request.DialWasBridged;
        var key = TechnicianLegDialler.Key(callback);
        if (bridged && callback.Complete(now, now - Duration.FromSeconds(request.DialCallDuration ?? 0)))
        {
            await router.FinishAsync(technician, key, ct);
            await LogAsync(callback, "callbackCompleted", new { technicianId = technician, seconds = request.DialCallDuration, dialCallSid = request.DialCallSid }, ct);
            // The customer was bridged DialCallDuration seconds ago: the first human contact of the promising call's SLA record.
            await slas.ContactAsync(callback.CallSid, now - Duration.FromSeconds(request.DialCallDuration ?? 0), Sla.SlaContact.Callback, ct);
            // The callback keeps the promise of the call that made it: its talk time belongs to that call's incident.
            await incidents.RecordLegAsync(callback.CallSid, request.DialCallSid ?? $"cb:{callback.Id:N}:{callback.Attempts}", request.DialCallDuration ?? 0, "callback", ct);
            await incidents.CloseIfDoneAsync(callback.CallSid, ct);
            return voice.Say(CallbackLine.Line.Done).Hangup().ToResult();
        }
        if (!bridged && callback.AttemptFailed(now, now + Duration.FromTimeSpan(options.Value.RetryAfter), options.Value.MaxAttempts))
        {
            await router.FinishAsync(technician, key, ct);
            await LogAsync(callback, callback.Status == CallbackStatus.Missed ? "callbackMissed" : "callbackRetried",
                new { attempt = callback.Attempts, status = request.Raw.GetValueOrDefault("DialCallStatus") }, ct);
            if (callback.Status == CallbackStatus.Missed) await incidents.CloseIfDoneAsync(callback.CallSid, ct);
            return voice.Say(callback.Status == CallbackStatus.Missed ? CallbackLine.Line.Missed : CallbackLine.Line.RetryLater).Hangup().ToResult();
        }
        return new VoiceResponse().Hangup().ToResult();
    }

    /// <summary>
    /// The technician leg's status callbacks (<c>initiated</c>, <c>completed</c>). The first one records the leg in the ledger
    /// and, when its creator has not yet, adopts it as the callback's leg; a leg that is not the callback's current one is
    /// hung up at once. When the current leg ends with the customer never dialled (no answer, passed), the callback waits
    /// for the next technician.
    /// </summary>
    public async Task<IResult> TechnicianLegStatusAsync(Guid id, VoiceRequest request, CancellationToken ct)
    {
        var empty = new VoiceResponse().ToResult();
        if (request.CallSid is not { } legSid) return empty;
        var standing = await legs.RecordAsync(id, legSid, request.To, "webhook", ct);
        if (standing is LegStanding.NotCurrent && !request.CallEnded) await legs.HangUpAsync(legSid, ct);
        if (standing is not LegStanding.Current || !request.CallEnded) return empty;
        var callback = await db.Callbacks.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (callback is not { Status: CallbackStatus.Dialing, TechnicianId: { } technician } || callback.TwilioCallSid != legSid) return empty;
        var now = clock.GetCurrentInstant();
        await router.ReleaseAsync(technician, TechnicianLegDialler.Key(callback), "callbackNotTaken", ct);
        callback.Postpone(now + Duration.FromTimeSpan(options.Value.NoTechnicianRetry), now, countAttempt: false);
        await LogAsync(callback, "callbackRetried", new { reason = "technician did not take it", status = request.Raw.GetValueOrDefault("CallStatus") }, ct);
        return empty;
    }

    private async Task LogAsync(Callback callback, string kind, object data, CancellationToken ct)
    {
        db.CallEvents.Add(new CallEventRecord(callback.CallSid, clock.GetCurrentInstant(), kind, JsonSerializer.Serialize(data)));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// The technician's language on this callback's call (their languages and the language of the call that made the promise),
    /// in the line's voice for it. The technician is the callback's, or found by the number the leg rang.
    /// </summary>
    private async Task<TechnicianSpeech> VoiceAsync(Callback? callback, string? technicianPhone, CancellationToken ct)
    {
        // One round trip: the technician's languages with the language of the call that made the promise.
        var callSid = callback?.CallSid;
        var technicianId = callback?.TechnicianId;
        var found = technicianId is null && technicianPhone is null ? null : await db.Technicians
            .Where(t => technicianId != null ? t.Id == technicianId : t.PhoneNumber == technicianPhone)
            .Select(t => new { t.Languages, Caller = db.Calls.Where(c => c.CallSid == callSid).Select(c => c.Language).FirstOrDefault() })
            .FirstOrDefaultAsync(ct);
        var (languages, callerLanguage) = (found?.Languages, found?.Caller);
        var flow = callback is null ? null : flows.Flows.FirstOrDefault(f => f.Provider == callback.Provider);
        var (speech, voice, language) = TechnicianVoice.For(flow, languages, callerLanguage);
        return new TechnicianSpeech(speech, voice, language);
    }

    private sealed record TechnicianSpeech(Speech Speech, string Voice, string Language)
    {
        public VoiceResponse Say(CallbackLine.Line line) => new VoiceResponse().Utter(CallbackLine.Say(Speech, line), Voice, Language);
    }
}
