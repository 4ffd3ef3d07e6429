namespace PhoneSupport.Emulators.Twilio;

/// <summary>What a dialled technician does when their phone rings.</summary>
public enum TechnicianBehavior
{
    /// <summary>Answers, presses the accept key at the whisper's gather, and talks.</summary>
    Accept,
    /// <summary>Answers, hears the whisper, and presses nothing (the whisper then hangs up).</summary>
    Decline,
    /// <summary>Lets it ring until the dial times out.</summary>
    NoAnswer,
    /// <summary>The line is busy.</summary>
    Busy,
}

/// <summary>
/// A technician on a bridged call hands it on from their desk after <paramref name="After"/> of talk: to
/// <paramref name="Target"/> (a technician id or a skill, as the desk hook reads it), <c>cold</c> or <c>warm</c>.
/// </summary>
public sealed record TransferAsk(string Target, string Mode, TimeSpan After);

/// <summary>What the technician's desk did when they pressed Transfer (see <see cref="CallDriverOptions.Desk"/>).</summary>
public sealed record DeskTransfer(string CallSid, TransferAsk Ask);

/// <summary>A redirect Twilio's REST API took for a call (<c>POST Calls/{Sid}.json Url=…</c>).</summary>
public sealed record CallRedirect(string Url, string Method);

/// <summary>One dial attempt's answer; <paramref name="TalkTime"/> matters only when accepted.</summary>
public sealed record TechnicianAnswer(TechnicianBehavior Behavior, TimeSpan TalkTime)
{
    /// <summary>Accepts, talks <see cref="TransferAsk.After"/>, then transfers the call from the desk.</summary>
    public TransferAsk? Transfer { get; init; }

    public static TechnicianAnswer AcceptThenTransfer(TransferAsk transfer, TimeSpan talkTime) =>
        new(TechnicianBehavior.Accept, talkTime) { Transfer = transfer };

    public static TechnicianAnswer Accept(TimeSpan talkTime) => new(TechnicianBehavior.Accept, talkTime);

    public static TechnicianAnswer Decline { get; } = new(TechnicianBehavior.Decline, TimeSpan.Zero);

    public static TechnicianAnswer NoAnswer { get; } = new(TechnicianBehavior.NoAnswer, TimeSpan.Zero);

    public static TechnicianAnswer Busy { get; } = new(TechnicianBehavior.Busy, TimeSpan.Zero);
}

/// <summary>
/// Plays the technicians: one answer per dialled number, in order; when the list is used up the last
/// answer repeats. The default accepts and talks for 10 minutes.
/// </summary>
public sealed class TechnicianScript
{
    private readonly TechnicianAnswer[] _answers;
    private int _next;

    public TechnicianScript(params TechnicianAnswer[] answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        _answers = answers.Length > 0 ? answers : [TechnicianAnswer.Accept(TimeSpan.FromMinutes(10))];
    }

    public static TechnicianScript Accepting(TimeSpan talkTime) => new(TechnicianAnswer.Accept(talkTime));

    public static TechnicianScript Declining() => new(TechnicianAnswer.Decline);

    public static TechnicianScript NotAnswering() => new(TechnicianAnswer.NoAnswer);

    public static TechnicianScript BusyLine() => new(TechnicianAnswer.Busy);

    /// <summary>The key pressed at the whisper's gather to accept the call.</summary>
    public string AcceptKey { get; init; } = "1";

    /// <summary>What is said to accept at a speech-only whisper gather.</summary>
    public string AcceptPhrase { get; init; } = "yes";

    /// <summary>How long the phone rings before an accepting technician picks up.</summary>
    public TimeSpan RingTime { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>Answers by dialled number: a number listed here always gets its own answer and takes no turn in the list.</summary>
    public IReadOnlyDictionary<string, TechnicianAnswer> ByNumber { get; init; } = new Dictionary<string, TechnicianAnswer>();

    internal TechnicianAnswer NextAttempt(string? number = null)
    {
        if (number is not null && ByNumber.TryGetValue(number, out var own))
        {
            return own;
        }

        var answer = _answers[Math.Min(_next, _answers.Length - 1)];
        _next++;
        return answer;
    }

    internal CallerInput AnswerWhisper(TechnicianAnswer attempt, GatherPrompt prompt)
    {
        if (attempt.Behavior != TechnicianBehavior.Accept)
        {
            return CallerInput.Silence;
        }

        return prompt.AcceptsDigits ? CallerInput.Keys(AcceptKey) : CallerInput.Speech(AcceptPhrase);
    }
}
