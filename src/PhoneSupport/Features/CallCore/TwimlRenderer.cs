using System.Collections.Immutable;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Twilio;
using Twilio.TwiML;
using Dial = Twilio.TwiML.Voice.Dial;
using Gather = Twilio.TwiML.Voice.Gather;
using Number = Twilio.TwiML.Voice.Number;
using HttpMethod = Twilio.Http.HttpMethod;

namespace PhoneSupport.Features.CallCore;

/// <summary>
/// The one place a domain <see cref="Instruction"/> becomes TwiML. Every URL it writes is absolute, built
/// from <c>PhoneSupport:PublicBaseUrl</c>, and carries the question's sequence number so a duplicate or late
/// answer is recognised (see <see cref="CallSession.Sequence"/>).
/// </summary>
public sealed class TwimlRenderer(string publicBaseUrl, int ringSeconds = 20)
{
    public const string StepPath = "/twilio/voice/step";
    public const string WhisperPath = "/twilio/voice/whisper";
    public const string StatusPath = "/twilio/voice/status";
    public const string RecordingPath = "/twilio/voice/recording";

    public VoiceResponse Render(Instruction instruction, int sequence, string callSid, string? step = null)
    {
        var response = new VoiceResponse();
        switch (instruction)
        {
            case Instruction.Ask ask:
                var gather = new Gather(
                    input: [ask.Gather.Speech ? Gather.InputEnum.Speech : Gather.InputEnum.Dtmf],
                    action: StepUrl(sequence, step),
                    method: HttpMethod.Post,
                    timeout: ask.Gather.TimeoutSeconds,
                    speechTimeout: ask.Gather.Speech ? "auto" : null,
                    finishOnKey: ask.Gather.Speech ? null : ask.Gather.FinishOnKey,
                    numDigits: ask.Gather.NumDigits,
                    language: TwiMLSay.GatherLanguage(ask.Gather.Speech ? ask.Gather.Language : null),
                    hints: ask.Gather.Hints.IsDefaultOrEmpty ? null : string.Join(", ", ask.Gather.Hints));
                foreach (var u in ask.Say) gather.Utter(u.Text, u.Voice, u.Language);
                response.Append(gather);
                // Twilio falls through to the next verb when the caller says nothing.
                response.Redirect(StepUrl(sequence, step, noInput: true), HttpMethod.Post);
                break;
            case Instruction.RecordMessage record:
                SayAll(response, record.Say);
                // The recording status callback attaches a recording that finishes after the action (MessageService).
                response.Record(action: StepUrl(sequence, step), method: HttpMethod.Post, timeout: 5, finishOnKey: "#", maxLength: record.MaxLengthSeconds, playBeep: true,
                    recordingStatusCallback: new Uri($"{publicBaseUrl}{RecordingPath}?call={callSid}"));
                response.Redirect(StepUrl(sequence, step, noInput: true), HttpMethod.Post);
                break;
            case Instruction.Dial dial:
                SayAll(response, dial.Say);
                // The caller keeps hearing ringing until the technician accepts (answerOnBridge); the whisper runs
                // on the technician's leg; the dial action reports how the leg ended.
                var ring = new Dial(action: StepUrl(sequence, step), method: HttpMethod.Post, timeout: ringSeconds, callerId: dial.CallerId, answerOnBridge: true);
                ring.Number(new global::Twilio.Types.PhoneNumber(dial.Technician.PhoneNumber),
                    url: new Uri($"{publicBaseUrl}{WhisperPath}?call={callSid}&tech={dial.Technician.Id:N}"), method: HttpMethod.Post,
                    statusCallback: new Uri($"{publicBaseUrl}{StatusPath}?leg=technician&call={callSid}&tech={dial.Technician.Id:N}"), statusCallbackMethod: HttpMethod.Post,
                    statusCallbackEvent: [Number.EventEnum.Answered, Number.EventEnum.Completed]);
                response.Append(ring);
                break;
            case Instruction.Enqueue enqueue:
                SayAll(response, enqueue.Say);
                response.Enqueue(enqueue.Queue, action: StepUrl(sequence, step), method: HttpMethod.Post,
                    waitUrl: new Uri($"{publicBaseUrl}/twilio/voice/queue/wait?call={callSid}"), waitUrlMethod: HttpMethod.Post);
                break;
            case Instruction.Hangup hangup:
                SayAll(response, hangup.Say);
                response.Hangup();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(instruction), instruction.GetType().Name, "No TwiML for this instruction.");
        }
        return response;
    }

    /// <summary>What a caller hears when the dialled number is not one of ours, or the service failed.</summary>
    public static VoiceResponse Apology(string text) =>
        new VoiceResponse().Say(text, voice: "Polly.Joanna", language: "en-US").Hangup();

    /// <summary>An apology in the caller's language and voice, when their call is known.</summary>
    public static VoiceResponse Apology(Utterance said) =>
        new VoiceResponse().Utter(said.Text, said.Voice, said.Language).Hangup();

    private static void SayAll(VoiceResponse response, ImmutableArray<Utterance> utterances)
    {
        foreach (var u in utterances) response.Utter(u.Text, u.Voice, u.Language);
    }

    /// <summary>The answer URL: the question's sequence number and the step it asks (so the facts of the answer are planned before the call is read).</summary>
    private Uri StepUrl(int sequence, string? step, bool noInput = false) =>
        new($"{publicBaseUrl}{StepPath}?seq={sequence}{(step is null ? "" : "&at=" + Uri.EscapeDataString(step))}{(noInput ? "&noInput=1" : "")}");
}
