using PhoneSupport.Domain.Flows;

namespace PhoneSupport.Domain.Tests.Flows;

/// <summary>
/// Building blocks for small inline flows. A line ending in <c>#!</c> marks where an error must point.
/// </summary>
internal static class FlowYaml
{
    public const string FileName = "broken.flow.yaml";

    public const string Head = """
        flow: test
        provider: test
        numbers: ["+17035550100"]
        languages:
          en-US: { voice: Polly.Joanna }
        start: main
        steps:
        """;

    public const string TwoLanguageHead = """
        flow: test
        provider: test
        numbers: ["+17035550100"]
        languages:
          en-US: { voice: Polly.Joanna }
          de-DE: { voice: Polly.Vicki }
        start: main
        steps:
        """;

    public const string MainMenu = """
          main:
            type: menu
            say: "For support, press 1."
            options: { "1": ask }
            onFail: bye
        """;

    public const string Bye = """
          bye:
            type: goodbye
            say: "Goodbye."
        """;

    public static string Flow(params string[] steps) => Head + "\n" + string.Join("\n", steps);

    public static List<int> MarkedLines(string yaml) =>
        [.. yaml.Split('\n').Select((text, index) => (text, line: index + 1)).Where(l => l.text.TrimEnd().EndsWith("#!", StringComparison.Ordinal)).Select(l => l.line)];

    public static void AssertErrorsAt(IEnumerable<int> lines, IReadOnlyList<FlowError> errors, string reason, string problem)
    {
        var expected = lines.ToList();
        Assert.True(expected.Count > 0, $"{problem}: the case marks no line with #!");
        foreach (var line in expected)
            Assert.True(
                errors.Any(e => e.File == FileName && e.Line == line && e.Message.Contains(reason, StringComparison.Ordinal)),
                $"{problem}: expected {FileName}:{line}: …{reason}…, got:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
    }
}
