using System.Globalization;
using System.Xml.Linq;

namespace PhoneSupport.Emulators.Twilio;

/// <summary>Where TwiML is running: the caller's call, a whisper on the technician's leg, or a queue's wait URL.</summary>
internal enum LegMode
{
    Call,
    Whisper,
    QueueWait,
}

/// <summary>How a run of TwiML on one leg ended.</summary>
internal enum LegEndKind
{
    /// <summary>No verbs left.</summary>
    RanOut,
    /// <summary><c>&lt;Hangup&gt;</c> (or <c>&lt;Reject&gt;</c> outside the caller's leg).</summary>
    HungUp,
    /// <summary><c>&lt;Reject&gt;</c> on the caller's leg; <see cref="LegEnd.Detail"/> is the reason.</summary>
    Rejected,
    /// <summary><c>&lt;Leave&gt;</c> in a wait URL.</summary>
    Left,
    /// <summary>The caller hung up (on hold, or after a recording).</summary>
    CallerHungUp,
}

internal sealed record LegEnd(LegEndKind Kind, string? Detail = null);

/// <summary>The leg's identity on the wire and who answers its gathers.</summary>
internal sealed record LegContext(
    CallLeg Leg,
    LegMode Mode,
    IReadOnlyList<KeyValuePair<string, string>> Params,
    Func<GatherPrompt, CancellationToken, ValueTask<CallerInput>> Answer);

/// <summary>Either carry on with the next verb, jump to a new document, or stop the leg.</summary>
internal sealed record VerbResult(TwimlDocument? Next = null, LegEnd? End = null)
{
    public static VerbResult Continue { get; } = new();
}

/// <summary>Follows TwiML verb by verb the way Twilio does, with simulated time.</summary>
internal sealed partial class TwimlInterpreter(CallSession session)
{
    private const double SpokenCharsPerSecond = 15;

    public async Task<LegEnd> RunAsync(TwimlDocument document, LegContext leg, CancellationToken cancellationToken)
    {
        var current = document;
        while (true)
        {
            TwimlDocument? next = null;
            foreach (var verb in current.Verbs)
            {
                var result = await ExecuteAsync(verb, current, leg, cancellationToken);
                if (result.End is { } end)
                {
                    return end;
                }

                if (result.Next is not null)
                {
                    next = result.Next;
                    break;
                }
            }

            if (next is null)
            {
                return new LegEnd(LegEndKind.RanOut);
            }

            current = next;
        }
    }

    private async Task<VerbResult> ExecuteAsync(XElement verb, TwimlDocument document, LegContext leg, CancellationToken ct)
    {
        switch (verb.Name.LocalName)
        {
            case "Say":
            case "Play":
            case "Pause":
                Speak(verb, leg);
                return VerbResult.Continue;
            case "Gather":
                return await GatherAsync(verb, document, leg, ct);
            case "Redirect":
                var target = document.Resolve(verb.Text())
                    ?? throw Unsupported(leg, document, "<Redirect> without a URL");
                session.Add(new TranscriptEntry(TranscriptKind.Redirected, target, session.Elapsed) { Leg = leg.Leg, Url = target });
                return new VerbResult(await session.FetchAsync(target, verb.Method(), Params(leg, "in-progress"), leg.Leg, ct));
            case "Hangup":
                session.Add(TranscriptKind.HungUp, leg.Mode == LegMode.Whisper
                    ? "The whisper hung up: the technician is not connected." : "The IVR hung up.", leg.Leg);
                return new VerbResult(End: new LegEnd(LegEndKind.HungUp));
            case "Reject" when leg.Mode == LegMode.Call:
                var reason = verb.Attr("reason") ?? "rejected";
                session.Add(TranscriptKind.Rejected, $"The call was rejected ({reason}).");
                return new VerbResult(End: new LegEnd(LegEndKind.Rejected, reason));
            case "Reject":
                session.Add(TranscriptKind.HungUp, "The leg was rejected.", leg.Leg);
                return new VerbResult(End: new LegEnd(LegEndKind.HungUp));
            case "Leave" when leg.Mode == LegMode.QueueWait:
                return new VerbResult(End: new LegEnd(LegEndKind.Left));
            case "Dial" when leg.Mode == LegMode.Call:
                return await DialAsync(verb, document, ct);
            case "Enqueue" when leg.Mode == LegMode.Call:
                return await EnqueueAsync(verb, document, ct);
            case "Record" when leg.Mode == LegMode.Call:
                return await RecordAsync(verb, document, ct);
            default:
                throw Unsupported(leg, document, $"<{verb.Name.LocalName}> in a {Describe(leg.Mode)}");
        }
    }

    private void Speak(XElement verb, LegContext leg)
    {
        var loop = Math.Max(1, verb.IntAttr("loop") ?? 1);
        switch (verb.Name.LocalName)
        {
            case "Say":
                var text = verb.Text();
                var kind = leg.Leg == CallLeg.Technician ? TranscriptKind.Whisper : TranscriptKind.Said;
                session.Add(new TranscriptEntry(kind, loop > 1 ? $"{text} (×{loop})" : text, session.Elapsed)
                {
                    Leg = leg.Leg, Voice = verb.Attr("voice"), Language = verb.Attr("language"),
                });
                session.Advance(SpeakingTime(text) * loop);
                break;
            case "Play":
                var digits = verb.Attr("digits");
                session.Add(TranscriptKind.Played, digits is null ? $"Audio {verb.Text()}" : $"DTMF tones {digits}", leg.Leg);
                session.Advance(TimeSpan.FromSeconds(digits is null ? 5 * loop : 1));
                break;
            default:
                var length = Math.Max(0, verb.IntAttr("length") ?? 1);
                session.Add(TranscriptKind.Paused, $"{length} s pause", leg.Leg);
                session.Advance(TimeSpan.FromSeconds(length));
                break;
        }
    }

    private async Task<VerbResult> GatherAsync(XElement gather, TwimlDocument document, LegContext leg, CancellationToken ct)
    {
        var inputs = (gather.Attr("input") ?? "dtmf").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var prompts = new List<string>();
        foreach (var nested in gather.Elements().Where(e => e.Name.LocalName is "Say" or "Play" or "Pause"))
        {
            Speak(nested, leg);
            if (nested.Name.LocalName == "Say")
            {
                prompts.Add(nested.Text());
            }
        }

        var prompt = new GatherPrompt(
            leg.Leg,
            AcceptsDigits: inputs.Contains("dtmf", StringComparer.OrdinalIgnoreCase),
            AcceptsSpeech: inputs.Contains("speech", StringComparer.OrdinalIgnoreCase),
            NumDigits: gather.IntAttr("numDigits") is > 0 and var n ? n : null,
            FinishOnKey: gather.Attr("finishOnKey") ?? "#",
            TimeoutSeconds: gather.IntAttr("timeout") ?? 5,
            prompts,
            gather.Attr("hints"));
        var answer = await leg.Answer(prompt, ct);
        var extra = Collect(prompt, answer, leg);

        var action = document.Resolve(gather.Attr("action")) ?? document.Url;
        if (extra is null)
        {
            session.Add(TranscriptKind.Silence, $"No input ({prompt.TimeoutSeconds} s timeout).", leg.Leg);
            session.Advance(TimeSpan.FromSeconds(prompt.TimeoutSeconds));
            if (!gather.BoolAttr("actionOnEmptyResult", false))
            {
                return VerbResult.Continue;
            }

            extra = [];
        }

        return new VerbResult(await session.FetchAsync(action, gather.Method(), Params(leg, "in-progress", extra), leg.Leg, ct));
    }

    /// <summary>The action parameters for an answer, or null when Twilio would see no input.</summary>
    private (string, string)[]? Collect(GatherPrompt prompt, CallerInput answer, LegContext leg)
    {
        var technician = leg.Leg == CallLeg.Technician;
        if (answer.Kind == CallerInputKind.Speech && prompt.AcceptsSpeech)
        {
            session.Add(technician ? TranscriptKind.TechnicianPressed : TranscriptKind.CallerSaid, answer.Value, leg.Leg);
            session.Advance(SpeakingTime(answer.Value) + TimeSpan.FromSeconds(1));
            return [("SpeechResult", answer.Value), ("Confidence", answer.Confidence.ToString("0.0#######", CultureInfo.InvariantCulture))];
        }

        if (answer.Kind != CallerInputKind.Digits || !prompt.AcceptsDigits)
        {
            return null;
        }

        var digits = new System.Text.StringBuilder();
        var finishedOnKey = "";
        foreach (var key in answer.Value)
        {
            if (prompt.FinishOnKey.Length > 0 && key == prompt.FinishOnKey[0])
            {
                finishedOnKey = key.ToString();
                break;
            }

            digits.Append(key);
            if (digits.Length == prompt.NumDigits)
            {
                break;
            }
        }

        var pressed = digits + finishedOnKey;
        session.Add(technician ? TranscriptKind.TechnicianPressed : TranscriptKind.CallerPressed, pressed, leg.Leg);
        var timedOut = finishedOnKey.Length == 0 && digits.Length != prompt.NumDigits;
        session.Advance(TimeSpan.FromSeconds(1 + (0.5 * pressed.Length) + (timedOut ? prompt.TimeoutSeconds : 0)));
        return digits.Length == 0 ? null : [("Digits", digits.ToString()), ("FinishedOnKey", finishedOnKey)];
    }

    private static List<KeyValuePair<string, string>> Params(LegContext leg, string callStatus, params (string, string)[] extra) =>
        leg.Params.With([("CallStatus", callStatus), .. extra]);

    private CallAbortedException Unsupported(LegContext leg, TwimlDocument document, string what)
    {
        var message = $"{what} is not something Twilio can run here (document {document.Url}).";
        session.Add(new TranscriptEntry(TranscriptKind.ApplicationError, message, session.Elapsed) { Leg = leg.Leg, Url = document.Url });
        return new CallAbortedException(CallOutcome.ApplicationError, message);
    }

    private static string Describe(LegMode mode) => mode switch
    {
        LegMode.Whisper => "whisper (<Number url>) document",
        LegMode.QueueWait => "queue wait URL document",
        _ => "call document",
    };

    private static TimeSpan SpeakingTime(string text) =>
        TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(text.Length / SpokenCharsPerSecond)));
}
