using PhoneSupport.Emulators.Twilio;

namespace PhoneSupport.Tests.Emulators;

public sealed class CallerScriptTests
{
    private static GatherPrompt Prompt(bool digits, bool speech) =>
        new(CallLeg.Caller, digits, speech, NumDigits: null, FinishOnKey: "#", TimeoutSeconds: 5, Prompts: [], Hints: null);

    private static async Task<string> Answer(ICallerScript caller, bool digits, bool speech) =>
        (await caller.AnswerGatherAsync(Prompt(digits, speech), CancellationToken.None)).ToString();

    [Fact]
    public async Task Scripted_answers_are_used_in_order_and_speech_only_at_speech_gathers()
    {
        var caller = new ScriptedCaller(["2", "", "5550001#"], ["jane doe"]);

        Assert.Equal("2", await Answer(caller, digits: true, speech: false));
        Assert.Equal("\"jane doe\"", await Answer(caller, digits: false, speech: true));
        Assert.Equal("(silence)", await Answer(caller, digits: true, speech: false));
        Assert.Equal("5550001#", await Answer(caller, digits: true, speech: true)); // digits first
        Assert.Equal("(silence)", await Answer(caller, digits: true, speech: true)); // script used up
        Assert.Equal(0, caller.RemainingAnswers);
    }

    [Fact]
    public async Task An_answer_marked_as_speech_wins_at_a_gather_that_takes_both()
    {
        var caller = new ScriptedCaller([CallerInput.Speech("billing"), CallerInput.Keys("3")]);

        Assert.Equal("\"billing\"", await Answer(caller, digits: true, speech: true));
        Assert.Equal("3", await Answer(caller, digits: true, speech: true));
    }

    [Fact]
    public void Scripted_answers_must_be_dtmf()
    {
        Assert.Throws<ArgumentException>(() => new ScriptedCaller(["12a"]));
    }

    [Fact]
    public async Task Interactive_caller_reads_one_line_per_gather()
    {
        var shown = new List<string>();
        var caller = new InteractiveCaller(new StringReader("2#\nbook a repair\n\n"), shown.Add);

        Assert.Equal("2#", await Answer(caller, digits: true, speech: true));
        Assert.Equal("\"book a repair\"", await Answer(caller, digits: true, speech: true));
        Assert.Equal("(silence)", await Answer(caller, digits: true, speech: false));
        Assert.Equal("(silence)", await Answer(caller, digits: true, speech: false)); // end of input
        Assert.False(await caller.StayInQueueAsync(new QueuePrompt("support", 1, TimeSpan.FromMinutes(1)), CancellationToken.None));
        Assert.Contains(shown, s => s.Contains("end with #", StringComparison.Ordinal));
    }
}
