using PhoneSupport.Emulators.Twilio;
using Spectre.Console;

namespace PhoneSupport.Cli.Commands;

/// <summary>Prints an emulated call's transcript readably, one line per event.</summary>
public static class TranscriptRenderer
{
    public static void Write(IAnsiConsole console, TranscriptEntry entry)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(entry);
        var text = Markup.Escape(entry.Text);
        var technician = entry.Leg == CallLeg.Technician;
        var line = entry.Kind switch
        {
            TranscriptKind.Said => $"[cyan]IVR:[/] {text}{Voice(entry)}",
            TranscriptKind.Whisper => $"[magenta]Whisper to technician:[/] {text}{Voice(entry)}",
            TranscriptKind.Played => $"[grey]{(technician ? "Technician hears" : "Plays")}: {text}[/]",
            TranscriptKind.Paused => $"[grey]({text})[/]",
            TranscriptKind.CallerPressed => $"[yellow]Caller presses:[/] [bold]{text}[/]",
            TranscriptKind.CallerSaid => $"[yellow]Caller says:[/] [bold]\"{text}\"[/]",
            TranscriptKind.TechnicianPressed => $"[magenta]Technician answers:[/] [bold]{text}[/]",
            TranscriptKind.Silence => $"[grey]{(technician ? "Technician" : "Caller")} stays silent: {text}[/]",
            TranscriptKind.Redirected => $"[blue]Redirect ->[/] {text}",
            TranscriptKind.Dialing => $"[blue]{text}[/]",
            TranscriptKind.Bridged => $"[green]{text}[/]",
            TranscriptKind.DialEnded => $"[darkorange]{text}[/]",
            TranscriptKind.Recorded => $"[green]{text}[/]",
            TranscriptKind.Queued => $"[blue]{text}[/]",
            TranscriptKind.HungUp => $"[bold]{text}[/]",
            TranscriptKind.Rejected => $"[darkorange]{text}[/]",
            TranscriptKind.ApplicationError => $"[red bold]Application error:[/] [red]{text}[/]",
            TranscriptKind.StepLimitExceeded => $"[red bold]Loop guard:[/] [red]{text}[/]",
            TranscriptKind.Webhook when entry.HttpStatus is >= 200 and < 300 => $"[grey]   {text}[/]",
            _ => $"[red]   {text}[/]",
        };
        console.MarkupLine($"[grey]{entry.At:hh\\:mm\\:ss}[/] {line}");
    }

    public static void WriteSummary(IAnsiConsole console, CallResult result)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(result);
        var colour = result.Succeeded ? "green" : "red";
        var what = result.Outcome switch
        {
            CallOutcome.Completed => "completed",
            CallOutcome.Rejected => $"rejected ({result.FinalCallStatus})",
            CallOutcome.ApplicationError => "ended by an application error",
            _ => "stopped by the loop guard",
        };
        console.Write(new Rule($"[{colour}]Call {result.CallSid} {what} after {result.Duration:hh\\:mm\\:ss}[/]").LeftJustified());
        console.MarkupLine($"[grey]{result.Requests} TwiML request(s).[/]");
        if (result.Error is not null)
        {
            console.MarkupLine($"[red]{Markup.Escape(result.Error)}[/]");
        }
    }

    private static string Voice(TranscriptEntry entry) =>
        entry.Voice is null && entry.Language is null
            ? ""
            : $" [grey]({Markup.Escape(string.Join(", ", new[] { entry.Voice, entry.Language }.OfType<string>()))})[/]";
}
