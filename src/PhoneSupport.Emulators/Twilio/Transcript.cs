namespace PhoneSupport.Emulators.Twilio;

/// <summary>What happened at one point of an emulated call.</summary>
public enum TranscriptKind
{
    /// <summary>The IVR spoke to the caller (<c>&lt;Say&gt;</c>).</summary>
    Said,
    /// <summary>Audio or DTMF tones were played (<c>&lt;Play&gt;</c>, hold music).</summary>
    Played,
    /// <summary>A <c>&lt;Pause&gt;</c>.</summary>
    Paused,
    /// <summary>The caller keyed digits at a <c>&lt;Gather&gt;</c>.</summary>
    CallerPressed,
    /// <summary>The caller spoke at a speech <c>&lt;Gather&gt;</c>.</summary>
    CallerSaid,
    /// <summary>A <c>&lt;Gather&gt;</c> timed out with no input (caller or technician leg).</summary>
    Silence,
    /// <summary>A <c>&lt;Redirect&gt;</c> was followed.</summary>
    Redirected,
    /// <summary>A <c>&lt;Dial&gt;</c> attempt started ringing a number.</summary>
    Dialing,
    /// <summary>The technician heard the whisper (a <c>&lt;Say&gt;</c> on the dialled leg).</summary>
    Whisper,
    /// <summary>The technician keyed digits (or spoke) at the whisper's <c>&lt;Gather&gt;</c>.</summary>
    TechnicianPressed,
    /// <summary>Caller and technician were connected; the text gives the talk time.</summary>
    Bridged,
    /// <summary>A dial attempt ended without a bridge: no-answer, busy, declined or failed.</summary>
    DialEnded,
    /// <summary>A <c>&lt;Record&gt;</c> captured a message.</summary>
    Recorded,
    /// <summary>The caller waited in a queue (<c>&lt;Enqueue&gt;</c>).</summary>
    Queued,
    /// <summary>The call (or the whisper leg) ended: <c>&lt;Hangup&gt;</c>, no more verbs, or the caller left.</summary>
    HungUp,
    /// <summary>The call was refused with <c>&lt;Reject&gt;</c>.</summary>
    Rejected,
    /// <summary>A webhook failed or returned unusable TwiML; Twilio would play its application-error message.</summary>
    ApplicationError,
    /// <summary>The emulator stopped the call because it made too many requests (a TwiML loop).</summary>
    StepLimitExceeded,
    /// <summary>An HTTP request Twilio made; <see cref="TranscriptEntry.HttpStatus"/> holds the answer.</summary>
    Webhook,
}

/// <summary>Which leg of the call an entry belongs to.</summary>
public enum CallLeg
{
    /// <summary>The inbound caller's leg (the parent call).</summary>
    Caller,
    /// <summary>The dialled technician's leg (whisper and child status callbacks).</summary>
    Technician,
}

/// <summary>One event of the call transcript, stamped with the simulated time since the call started.</summary>
public sealed record TranscriptEntry(TranscriptKind Kind, string Text, TimeSpan At)
{
    public CallLeg Leg { get; init; } = CallLeg.Caller;

    /// <summary><c>&lt;Say voice&gt;</c> as written in the TwiML (null when absent).</summary>
    public string? Voice { get; init; }

    /// <summary><c>&lt;Say language&gt;</c> as written in the TwiML (null when absent).</summary>
    public string? Language { get; init; }

    /// <summary>The URL requested (webhooks, redirects, errors).</summary>
    public string? Url { get; init; }

    /// <summary>The HTTP status of a webhook; null when the request never got an answer.</summary>
    public int? HttpStatus { get; init; }

    public override string ToString() => $"[{At:hh\\:mm\\:ss}] {Leg} {Kind}: {Text}";
}

/// <summary>How an emulated call ended.</summary>
public enum CallOutcome
{
    /// <summary>The call ran to its end: a hangup, no more verbs, or the caller leaving.</summary>
    Completed,
    /// <summary>The service answered with <c>&lt;Reject&gt;</c>.</summary>
    Rejected,
    /// <summary>A webhook on the caller's leg failed (non-2xx, unreachable, or invalid TwiML).</summary>
    ApplicationError,
    /// <summary>The request guard stopped a call that looked like a loop.</summary>
    StepLimitExceeded,
}

/// <summary>The final result of <see cref="CallDriver.RunAsync"/>.</summary>
public sealed record CallResult(
    string CallSid,
    CallOutcome Outcome,
    string FinalCallStatus,
    TimeSpan Duration,
    int Requests,
    IReadOnlyList<TranscriptEntry> Transcript,
    string? Error)
{
    /// <summary>True when the call ended normally and no leg hit an application error.</summary>
    public bool Succeeded =>
        Outcome is CallOutcome.Completed or CallOutcome.Rejected
        && !Transcript.Any(e => e.Kind == TranscriptKind.ApplicationError);

    /// <summary>The entries of one kind, in order.</summary>
    public IEnumerable<TranscriptEntry> OfKind(TranscriptKind kind) => Transcript.Where(e => e.Kind == kind);
}
