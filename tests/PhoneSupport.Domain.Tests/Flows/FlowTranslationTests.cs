using System.Collections.Immutable;
using NodaTime;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Flows;
using static PhoneSupport.Domain.Tests.Flows.FlowYaml;

namespace PhoneSupport.Domain.Tests.Flows;

/// <summary>
/// Whole languages: a flow is refused when a caller could hear a text with no translation in one of its languages —
/// its own prompts, a queue step's holding texts, the engine's built-in prompts, or numbers and times it cannot speak.
/// </summary>
public sealed class FlowTranslationTests
{
    private const string QueueFlowSteps = """
          main:
            type: queue
            queue: support
            say: { en-US: "Please hold.", de-DE: "Bitte warten Sie." }
            position: { en-US: "You are number {position}, about {wait}.", de-DE: "Sie sind Nummer {position}, etwa {wait}." }
            holding: { en-US: "Thank you for holding.", de-DE: "Danke für Ihre Geduld." }
            outcomes: { unavailable: bye }
          bye:
            type: goodbye
            say: { en-US: "Goodbye.", de-DE: "Auf Wiederhören." }
        """;

    [Fact]
    public void QueueStep_HoldingTextMissingAGermanTranslation_IsRefusedAtItsLine()
    {
        var yaml = TwoLanguageHead + "\n" + QueueFlowSteps.Replace(
            """    holding: { en-US: "Thank you for holding.", de-DE: "Danke für Ihre Geduld." }""",
            """    offer: { en-US: "Press 2 for a call back." } #!""" + "\n" + """    holding: { en-US: "Thank you for holding.", de-DE: "Danke für Ihre Geduld." }""");

        var (catalog, errors) = FlowCatalog.Load([(FileName, yaml)]);

        Assert.Null(catalog);
        AssertErrorsAt(MarkedLines(yaml), errors, "step 'main' offer: no text for language 'de-DE'", "queue offer without German");
    }

    [Fact]
    public void QueueStep_TextsInEveryLanguage_WithPositionAndWait_AreAccepted()
    {
        var (catalog, errors) = FlowCatalog.Load([(FileName, TwoLanguageHead + "\n" + QueueFlowSteps)]);

        Assert.Empty(errors);
        Assert.NotNull(catalog);
    }

    [Fact]
    public void QueueStep_UnknownPlaceholder_IsRefusedAtItsLine()
    {
        var yaml = TwoLanguageHead + "\n" + QueueFlowSteps.Replace(
            """    position: { en-US: "You are number {position}, about {wait}.", de-DE: "Sie sind Nummer {position}, etwa {wait}." }""",
            """    position: { en-US: "You are number {place}.", de-DE: "Sie sind Nummer {place}." } #!""");

        var errors = FlowCatalog.Load([(FileName, yaml)]).Errors;

        AssertErrorsAt(MarkedLines(yaml), errors, "step 'main' position: unknown placeholder '{place}'", "unknown queue placeholder");
    }

    [Fact]
    public void Language_TheServiceCannotSpeak_IsRefusedAtItsLine()
    {
        // Every prompt of the file exists in French: still, durations, due times, prices and the engine's own prompts do not.
        var yaml = """
            flow: test
            provider: test
            numbers: ["+17035550100"]
            languages:
              en-US: { voice: Polly.Joanna }
              fr-FR: { voice: Polly.Lea } #!
            start: main
            steps:
              main:
                type: goodbye
                say: { en-US: "Goodbye.", fr-FR: "Au revoir." }
            """;

        var (catalog, errors) = FlowCatalog.Load([(FileName, yaml)]);

        Assert.Null(catalog);
        AssertErrorsAt(MarkedLines(yaml), errors, "language 'fr-FR': the service cannot speak times, durations and prices in it", "French flow");
        AssertErrorsAt(MarkedLines(yaml), errors, "language 'fr-FR': the built-in prompt 'Connecting' has no translation in it", "French flow");
    }

    [Fact]
    public void QueueWait_SpeaksTheStepsTextsInTheCallersLanguageAndVoice()
    {
        var flow = FlowCatalog.Load([(FileName, TwoLanguageHead + "\n" + QueueFlowSteps)]).Catalog!.ById("test")!;
        var session = CallSession.Start("CA1", "test", "test", "+41445550000", "+17035550100", "main", "de-DE");

        var wait = IvrEngine.QueueWait(flow, session, 2, Duration.FromMinutes(16), offerCallback: true);
        var holding = IvrEngine.QueueHolding(flow, session);

        // No 'offer' text in the step: the built-in German one follows the step's own position text.
        Assert.Equal("Sie sind Nummer 2, etwa 16 Minuten. Um weiter zu warten, drücken Sie die 1. Für einen Rückruf drücken Sie die 2.", wait.Text);
        Assert.Equal(("de-DE", "Polly.Vicki"), (wait.Language, wait.Voice));
        Assert.Equal("Danke für Ihre Geduld.", holding.Text);
        Assert.Equal("You are number 1, about 8 minutes.", IvrEngine.QueueWait(flow, session with { Language = "en-US" }, 1, Duration.FromMinutes(8), false).Text);
    }

    [Fact]
    public void ShippedConstructorFlow_HasItsQueueTextsInEnglishAndGerman()
    {
        var queue = ShippedFlows.Constructor.Steps.Values.Single(s => s.Kind == StepKind.Queue);

        foreach (var key in QueueTexts.Keys)
            Assert.Equal(ImmutableHashSet.Create("en-US", "de-DE"), queue.Texts[key].ByLanguage.Keys.ToImmutableHashSet());
    }
}
