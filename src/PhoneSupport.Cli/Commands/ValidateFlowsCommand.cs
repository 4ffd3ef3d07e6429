using System.CommandLine;
using PhoneSupport.Domain.Flows;
using Spectre.Console;

namespace PhoneSupport.Cli.Commands;

/// <summary>
/// <c>phonesupport validate-flows [folder]</c>: the same checks the service runs at start-up, without starting
/// it. Prints every problem as <c>file:line: reason</c>; exit code 0 when all flows are valid, 1 otherwise.
/// </summary>
public static class ValidateFlowsCommand
{
    public const string Pattern = "*.flow.yaml";

    public static Command Create(IAnsiConsole? console = null)
    {
        var folder = new Argument<DirectoryInfo>("folder")
        {
            Description = "The folder of *.flow.yaml files.",
            DefaultValueFactory = _ => new DirectoryInfo("ivr-flows"),
        };
        var command = new Command("validate-flows", "Check IVR flow files: references, actions, prompts, no dead ends.");
        command.Arguments.Add(folder);
        command.SetAction(parse => Run(parse.GetValue(folder)!, console ?? AnsiConsole.Console));
        return command;
    }

    public static int Run(DirectoryInfo folder, IAnsiConsole console)
    {
        if (!folder.Exists)
        {
            console.MarkupLineInterpolated($"[red]{folder.FullName}: no such folder[/]");
            return 1;
        }
        var files = folder.GetFiles(Pattern).OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => (f.Name, File.ReadAllText(f.FullName))).ToList();
        var (catalog, errors) = FlowCatalog.Load(files);
        foreach (var error in errors) console.MarkupLineInterpolated($"[red]{error.ToString()}[/]");
        if (catalog is null) return 1;
        foreach (var flow in catalog.Flows)
            console.MarkupLineInterpolated($"[green]ok[/] {flow.FileName}: flow '{flow.Id}' ({flow.Provider}), {flow.Steps.Count} steps, answers {string.Join(", ", flow.Numbers)}");
        return 0;
    }
}
