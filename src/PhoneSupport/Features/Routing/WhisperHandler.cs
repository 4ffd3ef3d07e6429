using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Domain.Routing;
using PhoneSupport.Features.Voice;
using PhoneSupport.Twilio;
using PhoneSupport.Twilio.TwiML;

namespace PhoneSupport.Features.Routing;

/// <summary>
/// The technician's leg of a forwarded call: the whisper (who is calling and why) and "press 1 to accept".
/// Accepting moves the reservation to busy and bridges; anything else, or silence, hangs up the technician's
/// leg so the caller's dial action tries the next technician.
/// </summary>
public sealed class WhisperHandler(PhoneSupportDb db, TechnicianRouter router, Configuration.PhoneSupportOptions options, Sla.SlaRecorder slas, NodaTime.IClock clock)
{
    private const string Voice = "Polly.Joanna";
    private const string Language = "en-US";

    public async Task<IResult> WhisperAsync(string callSid, Guid technicianId, CancellationToken ct)
    {
        var call = await db.Calls.AsNoTracking().FirstOrDefaultAsync(c => c.CallSid == callSid, ct);
        var holds = await db.Technicians.AnyAsync(t => t.Id == technicianId && t.ReservedCallSid == callSid, ct);
        if (call is null || !holds)
            return new VoiceResponse().Say("This call is no longer waiting. Goodbye.", voice: Voice, language: Language).Hangup().ToResult();
        var gather = new Gather(input: GatherInput.Dtmf, numDigits: 1, timeout: 8, method: HttpMethod.Post,
            action: new Uri($"{options.BaseUrl}{TwimlRenderer.WhisperPath}/answer?call={callSid}&tech={technicianId:N}"));
        gather.Say(Whisper.For(call.ToSession().Vars), voice: Voice, language: Language);
        return new VoiceResponse().Append(gather).Say("No answer. The call goes to the next technician.", voice: Voice, language: Language).Hangup().ToResult();
    }

    public async Task<IResult> AnswerAsync(string callSid, Guid technicianId, string? digits, CancellationToken ct)
    {
        if (digits is ['1', ..])
        {
            if (await router.AcceptAsync(technicianId, callSid, ct) || await db.Technicians.AnyAsync(t => t.Id == technicianId && t.ReservedCallSid == callSid && t.Status == TechnicianStatus.Busy, ct))
            {
                // Accepted: the caller is bridged to a human now, the first contact of the call's SLA record (if its plan has targets).
                await slas.ContactAsync(callSid, clock.GetCurrentInstant(), Sla.SlaContact.Live, ct);
                return new VoiceResponse().Say("Connecting.", voice: Voice, language: Language).ToResult();
            }
            return new VoiceResponse().Say("This call was already taken or has ended. Goodbye.", voice: Voice, language: Language).Hangup().ToResult();
        }
        return new VoiceResponse().Say("Declined. Goodbye.", voice: Voice, language: Language).Hangup().ToResult();
    }
}
