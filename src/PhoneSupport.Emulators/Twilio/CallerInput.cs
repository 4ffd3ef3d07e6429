namespace PhoneSupport.Emulators.Twilio;

/// <summary>What a party does at a <c>&lt;Gather&gt;</c>.</summary>
public enum CallerInputKind
{
    Silence,
    Digits,
    Speech,
}

/// <summary>
/// One answer at a <c>&lt;Gather&gt;</c>: silence, DTMF keys as pressed (a trailing finish key such as <c>#</c>
/// included; the driver applies the gather's <c>finishOnKey</c>/<c>numDigits</c>), or recognised speech.
/// </summary>
public sealed record CallerInput(CallerInputKind Kind, string Value, double Confidence = 0)
{
    /// <summary>The keys a DTMF keypad can send.</summary>
    public const string DtmfKeys = "0123456789*#";

    public static CallerInput Silence { get; } = new(CallerInputKind.Silence, "");

    /// <summary>Keys pressed, e.g. <c>"2"</c> or <c>"5550001#"</c>.</summary>
    public static CallerInput Keys(string keys)
    {
        ArgumentException.ThrowIfNullOrEmpty(keys);
        if (!IsDtmf(keys))
        {
            throw new ArgumentException($"'{keys}' is not DTMF: only the keys {DtmfKeys} can be pressed.", nameof(keys));
        }

        return new CallerInput(CallerInputKind.Digits, keys);
    }

    /// <summary>Speech as Twilio's recogniser would return it.</summary>
    public static CallerInput Speech(string text, double confidence = 0.92)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return new CallerInput(CallerInputKind.Speech, text.Trim(), confidence);
    }

    /// <summary>A scripted DTMF answer: <c>""</c> is silence, anything else keys.</summary>
    public static CallerInput Parse(string answer) =>
        string.IsNullOrEmpty(answer) ? Silence : Keys(answer.Trim());

    public static bool IsDtmf(string text) => text.Length > 0 && text.All(c => DtmfKeys.Contains(c, StringComparison.Ordinal));

    public override string ToString() => Kind switch
    {
        CallerInputKind.Silence => "(silence)",
        CallerInputKind.Speech => $"\"{Value}\"",
        _ => Value,
    };
}

/// <summary>What the party on a leg is asked at a <c>&lt;Gather&gt;</c>.</summary>
/// <param name="Prompts">The text of the <c>&lt;Say&gt;</c>s nested in the gather.</param>
public sealed record GatherPrompt(
    CallLeg Leg,
    bool AcceptsDigits,
    bool AcceptsSpeech,
    int? NumDigits,
    string FinishOnKey,
    int TimeoutSeconds,
    IReadOnlyList<string> Prompts,
    string? Hints)
{
    /// <summary>A one-line description such as "up to 1 key, end with #, 5 s timeout".</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (AcceptsDigits)
        {
            parts.Add(NumDigits is { } n ? $"{n} key{(n == 1 ? "" : "s")}" : "keys");
            if (FinishOnKey.Length > 0)
            {
                parts.Add($"end with {FinishOnKey}");
            }
        }

        if (AcceptsSpeech)
        {
            parts.Add(Hints is null ? "speech" : $"speech (hints: {Hints})");
        }

        parts.Add($"{TimeoutSeconds} s timeout");
        return string.Join(", ", parts);
    }
}

/// <summary>The caller is on hold in a queue: the wait URL has played <paramref name="Round"/> times.</summary>
public sealed record QueuePrompt(string QueueName, int Round, TimeSpan Waited);

/// <summary>A <c>&lt;Record&gt;</c> is waiting for the caller's message.</summary>
public sealed record RecordPrompt(int MaxLengthSeconds, string FinishOnKey);

/// <summary>The caller's message at a <c>&lt;Record&gt;</c>: how long they talked and whether they then hung up.</summary>
public sealed record RecordingInput(TimeSpan Length, bool HungUp);

/// <summary>Plays the caller: answers gathers, decides how long to hold, leaves messages.</summary>
public interface ICallerScript
{
    ValueTask<CallerInput> AnswerGatherAsync(GatherPrompt prompt, CancellationToken cancellationToken);

    /// <summary>False when the caller gives up and hangs up while on hold.</summary>
    ValueTask<bool> StayInQueueAsync(QueuePrompt prompt, CancellationToken cancellationToken);

    ValueTask<RecordingInput> RecordAsync(RecordPrompt prompt, CancellationToken cancellationToken);
}
