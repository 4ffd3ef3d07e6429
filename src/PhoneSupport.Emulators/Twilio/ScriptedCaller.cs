namespace PhoneSupport.Emulators.Twilio;

/// <summary>
/// A caller who follows a script. <paramref name="answers"/> are used one per gather in order
/// (<c>"2"</c>, <c>"5550001#"</c>, <c>""</c> = silence, or <see cref="CallerInput.Speech"/> entries);
/// <paramref name="speech"/> answers are consumed at gathers that listen for speech. A gather that accepts
/// both takes the next answer (digits first) unless only speech answers remain. A used-up script is silent.
/// </summary>
public sealed class ScriptedCaller(IEnumerable<CallerInput> answers, IEnumerable<string>? speech = null) : ICallerScript
{
    private readonly Queue<CallerInput> _answers = new(answers);
    private readonly Queue<string> _speech = new(speech ?? []);

    public ScriptedCaller(IEnumerable<string> answers, IEnumerable<string>? speech = null)
        : this(answers.Select(CallerInput.Parse).ToList(), speech)
    {
    }

    /// <summary>A caller who only keys the given answers.</summary>
    public static ScriptedCaller Keys(params string[] answers) => new(answers);

    /// <summary>How many times the caller listens to a queue's wait music before hanging up.</summary>
    public int QueueRounds { get; init; } = 3;

    /// <summary>How long a message left at a <c>&lt;Record&gt;</c> is.</summary>
    public TimeSpan RecordingLength { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>True: the caller hangs up after recording instead of pressing a finish key.</summary>
    public bool HangUpAfterRecording { get; init; }

    /// <summary>Scripted answers not used yet.</summary>
    public int RemainingAnswers => _answers.Count + _speech.Count;

    public ValueTask<CallerInput> AnswerGatherAsync(GatherPrompt prompt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return ValueTask.FromResult(Next(prompt));
    }

    public ValueTask<bool> StayInQueueAsync(QueuePrompt prompt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return ValueTask.FromResult(prompt.Round < QueueRounds);
    }

    public ValueTask<RecordingInput> RecordAsync(RecordPrompt prompt, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new RecordingInput(RecordingLength, HangUpAfterRecording));

    private CallerInput Next(GatherPrompt prompt)
    {
        var headIsSpeech = _answers.TryPeek(out var head) && head.Kind == CallerInputKind.Speech;
        if (prompt.AcceptsSpeech && headIsSpeech)
        {
            return _answers.Dequeue();
        }

        if (prompt.AcceptsDigits && _answers.Count > 0)
        {
            var answer = _answers.Dequeue();
            // Talking at a keypad-only gather is heard as silence.
            return answer.Kind == CallerInputKind.Speech ? CallerInput.Silence : answer;
        }

        if (prompt.AcceptsSpeech && _speech.Count > 0)
        {
            return CallerInput.Speech(_speech.Dequeue());
        }

        return CallerInput.Silence;
    }
}

/// <summary>A caller typing at a console: one line per gather, an empty line is silence.</summary>
public sealed class InteractiveCaller(TextReader input, Action<string> showPrompt) : ICallerScript
{
    private bool _endOfInput;

    public InteractiveCaller(TextReader input, TextWriter output)
        : this(input, text => output.Write(text))
    {
    }

    /// <summary>Show each line read after its prompt (when the input is piped and so not echoed by a terminal).</summary>
    public bool EchoInput { get; init; }

    public async ValueTask<CallerInput> AnswerGatherAsync(GatherPrompt prompt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var what = prompt.AcceptsDigits && prompt.AcceptsSpeech ? "Keys or words"
            : prompt.AcceptsDigits ? "Keys" : "Words";
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var line = await ReadAsync($"{what} ({prompt.Describe()}; empty line = silence): ", cancellationToken);
            if (string.IsNullOrWhiteSpace(line))
            {
                return CallerInput.Silence;
            }

            line = line.Trim();
            if (prompt.AcceptsDigits && CallerInput.IsDtmf(line))
            {
                return CallerInput.Keys(line);
            }

            if (prompt.AcceptsSpeech)
            {
                return CallerInput.Speech(line);
            }

            showPrompt($"Only the keys {CallerInput.DtmfKeys} can be pressed here.{Environment.NewLine}");
        }

        return CallerInput.Silence;
    }

    public async ValueTask<bool> StayInQueueAsync(QueuePrompt prompt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var line = await ReadAsync(
            $"On hold in '{prompt.QueueName}' for {prompt.Waited:hh\\:mm\\:ss}. Keep holding? [Y/n]: ", cancellationToken);
        return !_endOfInput && !(line ?? "").Trim().StartsWith('n');
    }

    public async ValueTask<RecordingInput> RecordAsync(RecordPrompt prompt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var line = (await ReadAsync(
            "Recording: seconds to talk [8], add 'h' to hang up afterwards (e.g. 12h): ", cancellationToken) ?? "").Trim();
        var hangUp = _endOfInput || line.EndsWith('h');
        var digits = line.TrimEnd('h', 'H').Trim();
        var seconds = int.TryParse(digits, System.Globalization.CultureInfo.InvariantCulture, out var s) && s >= 0 ? s : 8;
        return new RecordingInput(TimeSpan.FromSeconds(seconds), hangUp);
    }

    private async Task<string?> ReadAsync(string prompt, CancellationToken cancellationToken)
    {
        if (_endOfInput)
        {
            return null;
        }

        showPrompt(prompt);
        var line = await input.ReadLineAsync(cancellationToken);
        _endOfInput = line is null;
        if (EchoInput)
        {
            showPrompt((line ?? "(end of input)") + Environment.NewLine);
        }

        return line;
    }
}
