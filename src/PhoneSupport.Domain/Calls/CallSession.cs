using System.Collections.Immutable;

namespace PhoneSupport.Domain.Calls;

/// <summary>
/// Where one call stands in its flow. Persisted per <c>CallSid</c> so any instance can take the next webhook.
/// <see cref="Sequence"/> counts the questions asked; each question's answer URL carries it, so a duplicate or
/// late answer to an earlier question is recognised and never advances the call twice.
/// </summary>
public sealed record CallSession(
    string CallSid,
    string FlowId,
    string Provider,
    string From,
    string To,
    string StepId,
    int Attempt,
    string Language,
    int Sequence,
    ImmutableDictionary<string, string> Vars,
    CallPhase Phase)
{
    public static CallSession Start(string callSid, string flowId, string provider, string from, string to, string startStep, string language) =>
        new(callSid, flowId, provider, from, to, startStep, 0, language, 0,
            ImmutableDictionary<string, string>.Empty.Add("callerNumber", from), CallPhase.InIvr);

    public string? Var(string name) => Vars.GetValueOrDefault(name);
}

public enum CallPhase { InIvr, Ended }

/// <summary>What the caller did, already translated from Twilio's form at the edge.</summary>
public abstract record CallerInput
{
    public sealed record CallStarted : CallerInput;
    public sealed record KeysPressed(string Digits, bool FinishedOnKey) : CallerInput;
    public sealed record SpeechHeard(string Text, double? Confidence) : CallerInput;
    public sealed record NoInput : CallerInput;
    public sealed record RecordingDone(string? RecordingUrl, int? DurationSeconds, string? RecordingSid = null) : CallerInput;

    /// <summary>The technician leg of a <c>Dial</c> ended: bridged (talked), or not (declined, no answer, busy, failed).</summary>
    public sealed record DialEnded(bool Bridged, string Status, int? Seconds, string? LegSid = null) : CallerInput;

    /// <summary>The caller left the queue (<c>QueueResult</c>: <c>leave</c> when they chose a callback, <c>hangup</c>, …).</summary>
    public sealed record QueueLeft(string Result) : CallerInput;

    /// <summary>The queue dispatcher reserved a technician and redirected the call out of the queue.</summary>
    public sealed record QueueConnect : CallerInput;

    /// <summary>
    /// A transfer's colleague did not take the call and the first technician could not be reserved back (decision 013):
    /// the call, ended at its route or queue step when the caller was moved, goes on where no technician is free —
    /// the queue, or the route step's <c>unavailable</c> exit (a callback offer, a message).
    /// </summary>
    public sealed record TransferNotTaken : CallerInput;

    /// <summary>A duplicate or out-of-date request: say the current question again, change nothing.</summary>
    public sealed record Replay : CallerInput;
}

/// <summary>A sentence to speak, in a language and Twilio voice.</summary>
public sealed record Utterance(string Text, string Language, string Voice);

/// <summary>What the call should do next; the host turns it into TwiML. Never XML here.</summary>
public abstract record Instruction(ImmutableArray<Utterance> Say)
{
    /// <summary>Speak, then wait for keys or speech; silence comes back as <see cref="CallerInput.NoInput"/>.</summary>
    public sealed record Ask(ImmutableArray<Utterance> Say, GatherSpec Gather) : Instruction(Say);
    public sealed record Hangup(ImmutableArray<Utterance> Say) : Instruction(Say);
    public sealed record RecordMessage(ImmutableArray<Utterance> Say, int MaxLengthSeconds) : Instruction(Say);

    /// <summary>Speak, then hold in the named queue (the host's wait URL announces position and wait).</summary>
    public sealed record Enqueue(ImmutableArray<Utterance> Say, string Queue) : Instruction(Say);

    /// <summary>Speak, then ring a technician, who hears a whisper and presses 1 to take the call.</summary>
    public sealed record Dial(ImmutableArray<Utterance> Say, TechnicianFact Technician, string CallerId) : Instruction(Say);
}

public sealed record GatherSpec(bool Speech, int? NumDigits, string FinishOnKey, int TimeoutSeconds, string Language, ImmutableArray<string> Hints);

/// <summary>An entry for the call's append-only event log.</summary>
public sealed record IvrEvent(string Kind, ImmutableDictionary<string, string> Data)
{
    public static IvrEvent Of(string kind, params (string Key, string? Value)[] data) =>
        new(kind, data.Where(d => d.Value is not null).ToImmutableDictionary(d => d.Key, d => d.Value!));
}
