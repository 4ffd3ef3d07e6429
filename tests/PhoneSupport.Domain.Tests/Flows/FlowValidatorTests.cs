using PhoneSupport.Domain.Flows;
using static PhoneSupport.Domain.Tests.Flows.FlowYaml;

namespace PhoneSupport.Domain.Tests.Flows;

/// <summary>
/// Each case is a small flow broken one way. Lines ending in <c>#!</c> are where an error must point.
/// </summary>
public sealed class FlowValidatorTests
{
    public static TheoryData<string, string, string> BrokenFlows => new()
    {
        { "unclosed quote", Flow("""
              main:
                type: goodbye
                say: "Goodbye. #!
              other: x
            """), "not valid YAML" },
        { "unclosed bracket", Head.Replace("numbers: [\"+17035550100\"]", "numbers: [\"+17035550100\" #!") + "\n" + Bye, "not valid YAML: a '[' or '{' is never closed" },
        { "unclosed brace", Head.Replace("{ voice: Polly.Joanna }", "{ voice: Polly.Joanna #!") + "\n" + Bye, "not valid YAML: a '[' or '{' is never closed" },
        { "bad indentation", Flow("""
              main:
                type: goodbye
               say: "Goodbye." #!
            """), "not valid YAML" },
        { "cycle of menus with no way out", Flow("""
              main:
                type: menu
                say: "Press 1."
                options: { "1": loop-a }
                onFail: bye
              loop-a:
                type: menu #!
                say: "A."
                options: { "1": loop-b }
                onFail: loop-b
              loop-b:
                type: menu #!
                say: "B."
                options: { "1": loop-a }
                onFail: loop-a
            """, Bye), "is a dead end" },
        { "step never reached", Flow(MainMenu.Replace("ask", "bye"), Bye, """
              orphan:
                type: goodbye #!
                say: "Nobody hears this."
            """), "is never reached from 'main'" },
        { "unknown action", Flow(MainMenu, """
              ask:
                type: collect #!
                say: "Enter your number."
                action: identifyByFax
                outcomes: { identified: bye, failed: bye }
            """, Bye), "unknown action 'identifyByFax'" },
        { "action step action in a collect step", Flow(MainMenu, """
              ask:
                type: collect #!
                say: "Enter your number."
                action: identifyByCallerId
                outcomes: { identified: bye, notFound: bye }
            """, Bye), "action 'identifyByCallerId' belongs in a 'action' step, not 'collect'" },
        { "collect action in an action step", Flow(MainMenu, """
              ask:
                type: action #!
                action: identifyByContract
                outcomes: { identified: bye, failed: bye }
            """, Bye), "action 'identifyByContract' belongs in a 'collect' step, not 'action'" },
        { "digit action on a speech collect", Flow(MainMenu, """
              ask:
                type: collect #!
                say: "Say your contract number."
                input: speech
                action: identifyByContract
                outcomes: { identified: bye, failed: bye }
            """, Bye), "collects digits, but the step collects speech" },
        { "identified outcome unmapped", Flow(MainMenu, """
              ask:
                type: collect #!
                say: "Enter your contract number."
                action: identifyByContract
                outcomes: { failed: bye }
            """, Bye), "outcome 'identified' is not mapped" },
        { "confirm without no", Flow(MainMenu, """
              ask:
                type: confirm #!
                say: "Press 1 to go on."
                yes: bye
            """, Bye), "outcome 'no' is not mapped" },
        { "unknown outcome", Flow(MainMenu, """
              ask:
                type: collect
                say: "Enter your contract number."
                action: identifyByContract
                outcomes:
                  identified: bye
                  failed: bye
                  maybe: bye #!
            """, Bye), "unknown outcome 'maybe'" },
        { "two-digit option key", Flow("""
              main:
                type: menu
                say: "Press 12."
                options: { "1": bye, "12": bye } #!
                onFail: bye
            """, Bye), "option '12' must be one key" },
        { "letter option key", Flow("""
              main:
                type: menu
                say: "Press a."
                options:
                  "a": bye #!
                onFail: bye
            """, Bye), "option 'a' must be one key" },
        { "option to a missing step", Flow("""
              main:
                type: menu
                say: "Press 1 or 2."
                options:
                  "1": bye
                  "2": nowhere #!
                onFail: bye
            """, Bye), "leads to 'nowhere', which is not a step" },
        { "menu without onFail", Flow("""
              main:
                type: menu #!
                say: "Press 1."
                options: { "1": bye }
            """, Bye), "a menu needs 'onFail'" },
        { "prompt missing German", TwoLanguageHead + "\n" + """
              main:
                type: menu
                say:
                  en-US: "Press 1." #!
                options: { "1": bye }
                onFail: bye
              bye:
                type: goodbye
                say: { en-US: "Goodbye.", de-DE: "Auf Wiederhören." }
            """, "step 'main' say: no text for language 'de-DE'" },
        { "one-language prompt on a two-language flow", TwoLanguageHead + "\n" + """
              main:
                type: menu
                say: { en-US: "Press 1.", de-DE: "Drücken Sie 1." }
                options: { "1": bye }
                onFail: bye
              bye:
                type: goodbye
                say: "Goodbye." #!
            """, "step 'bye' say: no text for language 'de-DE'" },
        { "unknown placeholder", Flow("""
              main:
                type: menu
                say: "Hello {customerName}, press 1." #!
                options: { "1": bye }
                onFail: bye
            """, Bye), "unknown placeholder '{customerName}'" },
        { "misspelt key", Flow("""
              main:
                type: menu
                say: "Press 1."
                optons: { "1": bye } #!
                onFail: bye
            """, Bye), "unknown key 'optons'" },
        { "loop of steps that never wait", Flow(MainMenu.Replace("ask", "say-a"), """
              say-a:
                type: say #!
                say: "A."
                next: say-b
              say-b:
                type: say
                say: "B."
                next: say-c
              say-c:
                type: say
                say: "C."
                next: check
              check:
                type: action
                action: identifyByCallerId
                outcomes: { identified: bye, notFound: say-a }
            """, Bye), "starts a loop of steps that never wait for the caller" },
    };

    [Theory]
    [MemberData(nameof(BrokenFlows))]
    public void Load_BrokenFlow_ReportsFileLineAndReason(string problem, string yaml, string reason)
    {
        var (catalog, errors) = FlowCatalog.Load([(FileName, yaml)]);

        Assert.Null(catalog);
        AssertErrorsAt(MarkedLines(yaml), errors, reason, problem);
    }

    [Fact]
    public void Load_SayLoopWithNoWayOut_ReportsTheLoopAndTheDeadEnds()
    {
        var yaml = Flow(MainMenu.Replace("ask", "say-a"), """
              say-a:
                type: say #!
                say: "A."
                next: say-b
              say-b:
                type: say #!
                say: "B."
                next: say-c
              say-c:
                type: say #!
                say: "C."
                next: say-a
            """, Bye);

        var errors = FlowCatalog.Load([(FileName, yaml)]).Errors;

        AssertErrorsAt(MarkedLines(yaml), errors, "is a dead end", "say loop");
        AssertErrorsAt(MarkedLines(yaml).Take(1), errors, "starts a loop of steps that never wait", "say loop");
    }

    [Theory]
    [InlineData("en-US", "de-DE")]
    [InlineData("de-DE", "en-US")]
    public void Parse_NoDefaultLanguage_TakesTheFirstLanguageListed(string first, string second)
    {
        var yaml = TwoLanguageHead.Replace("en-US: { voice: Polly.Joanna }\n  de-DE: { voice: Polly.Vicki }", $"{first}: {{ voice: Polly.A }}\n  {second}: {{ voice: Polly.B }}") + "\n" + """
              main:
                type: goodbye
                say: { en-US: "Goodbye.", de-DE: "Auf Wiederhören." }
            """;

        var (flow, errors) = FlowParser.Parse(FileName, yaml);

        Assert.Empty(errors);
        Assert.NotNull(flow);
        Assert.Equal(first, flow.DefaultLanguage);
        Assert.Equal("Polly.A", flow.Language(first).Voice);
    }

    [Theory]
    [InlineData("17035550100")]
    [InlineData("+1 703 555 0100")]
    [InlineData("+0123456789")]
    [InlineData("+1703")]
    [InlineData("+1703555010012345")]
    public void Parse_NumberNotE164_ReportsItsLine(string number)
    {
        var yaml = Flow(MainMenu.Replace("ask", "bye"), Bye).Replace("\"+17035550100\"]", $"\"{number}\"] #!");

        var (flow, errors) = FlowParser.Parse(FileName, yaml);

        Assert.Null(flow);
        AssertErrorsAt([3], errors, $"'{number}' is not an E.164 phone number", number);
    }
}
