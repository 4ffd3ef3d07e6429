using System.CommandLine;
using PhoneSupport.Emulators.Twilio.Rest;
using Spectre.Console;

namespace PhoneSupport.Cli.Commands;

/// <summary>
/// <c>phonesupport twilio-emulator</c>: Twilio's REST API on 127.0.0.1 for the local demo. Calls the service
/// creates (callbacks) are played against it: the technician presses 1, the customer answers and talks.
/// Prints every call and SMS it receives. Runs until Ctrl-C.
/// </summary>
public static class TwilioEmulatorCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1.", DefaultValueFactory = _ => 5081 };
        var authToken = new Option<string?>("--auth-token")
        {
            Description = "The auth token (default: env Twilio__AuthToken).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Twilio__AuthToken"),
        };
        var accountSid = new Option<string>("--account-sid")
        {
            Description = "The account SID (default: env Twilio__AccountSid).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Twilio__AccountSid") is { Length: > 0 } sid ? sid : "AC" + new string('0', 32),
        };
        var talk = new Option<int>("--talk-minutes") { Description = "How long answered callbacks talk.", DefaultValueFactory = _ => 12 };
        var command = new Command("twilio-emulator", "Run Twilio's REST API locally and play the calls the service makes.");
        command.Options.Add(port);
        command.Options.Add(authToken);
        command.Options.Add(accountSid);
        command.Options.Add(talk);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(authToken) is not { Length: > 0 } token)
            {
                AnsiConsole.MarkupLine("[red]--auth-token (or env Twilio__AuthToken) is required.[/]");
                return 2;
            }
            await using var emulator = new TwilioEmulator(new TwilioEmulatorOptions
            {
                AccountSid = parse.GetValue(accountSid)!,
                AuthToken = token,
                Port = parse.GetValue(port),
                DriveOutboundCalls = true,
                DefaultParty = new CalledParty { Script = () => Emulators.Twilio.ScriptedCaller.Keys("1"), TalkTime = TimeSpan.FromMinutes(parse.GetValue(talk)) },
            });
            var url = await emulator.StartAsync(ct);
            AnsiConsole.MarkupLineInterpolated($"Twilio emulator on [bold]{url}[/]: technicians press 1, customers answer. Ctrl-C stops it.");
            var (calls, messages) = (0, 0);
            try
            {
                while (!ct.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                    foreach (var call in emulator.Calls.Skip(calls))
                        AnsiConsole.MarkupLineInterpolated($"[cyan]call[/] {call.Sid} to {call.To} from {call.From} ({call.Direction}) → {call.Url}");
                    foreach (var sms in emulator.Messages.Skip(messages))
                        AnsiConsole.MarkupLineInterpolated($"[yellow]sms[/] to {sms.To}: {sms.Body}");
                    (calls, messages) = (emulator.Calls.Count, emulator.Messages.Count);
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C: stop quietly.
            }
            return 0;
        });
        return command;
    }
}
