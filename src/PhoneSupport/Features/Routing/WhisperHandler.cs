using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Routing;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Twilio;
using Twilio.TwiML;
using Gather = Twilio.TwiML.Voice.Gather;
using HttpMethod = Twilio.Http.HttpMethod;

namespace PhoneSupport.Features.Routing;

/// <summary>
/// The technician's leg of a forwarded call: the whisper (who is calling and why) and "press 1 to accept", in the
/// technician's language (<see cref="Whisper.LanguageFor"/>) with the call's flow's voice for it.
/// Accepting moves the reservation to busy and bridges; anything else, or silence, hangs up the technician's
/// leg so the caller's dial action tries the next technician.
/// </summary>
public sealed class WhisperHandler(PhoneSupportDb db, TechnicianRouter router, FlowCatalog flows, Configuration.PhoneSupportOptions options, Sla.SlaRecorder slas, NodaTime.IClock clock)
{
    public async Task<IResult> WhisperAsync(string callSid, Guid technicianId, CancellationToken ct)
    {
        // The call with the languages of the technician holding it, in one query.
        var found = await db.Calls.AsNoTracking().Where(c => c.CallSid == callSid)
            .Select(c => new { Call = c, Languages = db.Technicians.Where(t => t.Id == technicianId && t.ReservedCallSid == callSid).Select(t => t.Languages).FirstOrDefault() })
            .FirstOrDefaultAsync(ct);
        var (call, languages) = (found?.Call, found?.Languages);
        var (speech, voice, language) = Voice(call, languages);
        if (call is null || languages is null)
            return new VoiceResponse().Utter(Whisper.Line(speech, WhisperLine.Gone), voice, language).Hangup().ToResult();
        // The answer URL carries the language chosen here (signed by Twilio like the rest of the URL): pressing 1 costs no look-up.
        var gather = new Gather(input: [Gather.InputEnum.Dtmf], numDigits: 1, timeout: 8, method: HttpMethod.Post,
            action: new Uri($"{options.BaseUrl}{TwimlRenderer.WhisperPath}/answer?call={callSid}&tech={technicianId:N}" +
                $"&flow={Uri.EscapeDataString(call.FlowId)}&lang={Uri.EscapeDataString(language)}"));
        gather.Utter(Whisper.For(call.ToSession().Vars, speech), voice, language);
        return new VoiceResponse().Append(gather).Utter(Whisper.Line(speech, WhisperLine.NoAnswer), voice, language).Hangup().ToResult();
    }

    /// <param name="flowId">The call's flow and <paramref name="language"/> the whisper's language, from the answer URL the whisper wrote.</param>
    public async Task<IResult> AnswerAsync(string callSid, Guid technicianId, string? digits, CancellationToken ct, string? flowId = null, string? language = null)
    {
        var spoken = (flowId is null ? null : flows.ById(flowId))?.Languages.GetValueOrDefault(language ?? "");
        var (speech, voice, tag) = spoken is null ? (Speech.English, "Polly.Joanna", "en-US") : (Speech.For(spoken.Code), spoken.Voice, spoken.Code);
        if (digits is ['1', ..])
        {
            if (await router.AcceptAsync(technicianId, callSid, ct) || await db.Technicians.AnyAsync(t => t.Id == technicianId && t.ReservedCallSid == callSid && t.Status == TechnicianStatus.Busy, ct))
            {
                // Accepted: the caller is bridged to a human now, the first contact of the call's SLA record (if its plan has targets).
                await slas.ContactAsync(callSid, clock.GetCurrentInstant(), Sla.SlaContact.Live, ct);
                return new VoiceResponse().Utter(Whisper.Line(speech, WhisperLine.Connecting), voice, tag).ToResult();
            }
            return new VoiceResponse().Utter(Whisper.Line(speech, WhisperLine.Taken), voice, tag).Hangup().ToResult();
        }
        return new VoiceResponse().Utter(Whisper.Line(speech, WhisperLine.Declined), voice, tag).Hangup().ToResult();
    }

    private (Speech Speech, string Voice, string Language) Voice(CallRecord? call, string[]? technicianLanguages) =>
        TechnicianVoice.For(call is null ? null : flows.ById(call.FlowId), technicianLanguages, call?.Language);
}

/// <summary>The language a technician hears, and the voice the flow of the line gives it.</summary>
public static class TechnicianVoice
{
    private const string DefaultVoice = "Polly.Joanna";
    private const string DefaultLanguage = "en-US";

    /// <summary>
    /// <see cref="Whisper.LanguageFor"/> the technician's languages and the caller's, spoken in the flow's voice for it; English in the
    /// default voice when the flow has no voice for that language.
    /// </summary>
    public static (Speech Speech, string Voice, string Language) For(Flow? flow, IReadOnlyList<string>? technicianLanguages, string? callerLanguage)
    {
        var speech = Whisper.LanguageFor(technicianLanguages ?? ["en"], callerLanguage);
        var spoken = flow?.Languages.Values.OrderBy(l => l.Code == callerLanguage ? 0 : 1).ThenBy(l => l.Code, StringComparer.Ordinal)
            .FirstOrDefault(l => Speech.Primary(l.Code) == speech.Code);
        return spoken is not null ? (speech, spoken.Voice, spoken.Code) : (Speech.English, DefaultVoice, DefaultLanguage);
    }
}
