using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using PhoneSupport.Emulators.Twilio;
using Spectre.Console;

namespace PhoneSupport.Cli.Commands;

/// <summary>
/// <c>phonesupport call</c>: places one emulated inbound call against a running service, playing Twilio's part
/// (signed webhooks, TwiML), the caller (scripted or typed at the console) and the dialled technician.
/// </summary>
public static class CallCommand
{
    /// <summary>Exit code when a webhook failed and Twilio would have played its application-error message.</summary>
    public const int ApplicationErrorExitCode = 1;

    /// <summary>Exit code for bad options.</summary>
    public const int UsageExitCode = 2;

    /// <summary>Exit code when the request guard stopped a looping call.</summary>
    public const int LoopExitCode = 3;

    private const string DefaultAccountSid = "AC00000000000000000000000000000000";

    /// <param name="console">Where the conversation is printed; the real console by default.</param>
    /// <param name="input">Where an interactive caller's answers are read; <see cref="Console.In"/> by default.</param>
    public static Command Create(IAnsiConsole? console = null, TextReader? input = null)
    {
        var url = new Option<string>("--url")
        {
            Description = "Base URL of the service; the voice URL is {url}/twilio/voice.",
            DefaultValueFactory = _ => "http://127.0.0.1:5080",
        };
        var to = new Option<string>("--to") { Description = "The number called.", DefaultValueFactory = _ => "+17038803095" };
        var from = new Option<string>("--from") { Description = "The caller's number.", DefaultValueFactory = _ => "+15550100001" };
        var digits = new Option<string?>("--digits")
        {
            Description = "Comma-separated answers, one per gather, e.g. \"2,5550001#\" (a trailing # is the finish key; an empty answer is silence).",
        };
        var say = new Option<string[]>("--say")
        {
            Description = "A speech answer for a gather that listens for speech, e.g. \"jane doe\"; repeat for more.",
        };
        var authToken = new Option<string?>("--auth-token")
        {
            Description = "The auth token that signs the webhooks (default: env Twilio__AuthToken).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Twilio__AuthToken"),
        };
        var accountSid = new Option<string>("--account-sid")
        {
            Description = "The AccountSid sent (default: env Twilio__AccountSid, else AC + 32 zeros).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Twilio__AccountSid") is { Length: > 0 } sid ? sid : DefaultAccountSid,
        };
        var technician = new Option<string>("--technician")
        {
            Description = "What the dialled technician does: accept, decline, no-answer or busy; a comma list gives one per dial attempt. "
                + "transfer:<skill or technician id>[:warm|cold[:<after>]] accepts, talks <after> (default 5m) and transfers the call from the desk "
                + "(POST /api/calls/{sid}/transfer with --api-key); the next item answers the colleague, e.g. transfer:tier2:warm,accept; "
                + "when the colleague does not take it the item after answers the dial back to the first technician, e.g. transfer:tier2:warm,decline,accept.",
            DefaultValueFactory = _ => "accept",
        };
        technician.Validators.Add(result =>
        {
            if (!TryParseTechnicians(result.GetValueOrDefault<string>(), TimeSpan.FromMinutes(10), out _))
            {
                result.AddError("--technician takes accept, decline, no-answer, busy or transfer:<skill or id>[:warm|cold[:<after>]] (comma-separated for several attempts).");
            }
        });
        var talk = new Option<TimeSpan>("--talk")
        {
            Description = "How long an accepting technician talks: 00:25:00, 25m, 90s or 1h (a bare number is minutes).",
            DefaultValueFactory = _ => TimeSpan.FromMinutes(10),
            CustomParser = ParseTalk,
        };
        var apiKey = new Option<string?>("--api-key")
        {
            Description = "The API key a transfer is asked with (default: env PhoneSupport__BootstrapAdminApiKey).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PhoneSupport__BootstrapAdminApiKey"),
        };
        var twilioApi = new Option<string>("--twilio-api")
        {
            Description = "The Twilio REST emulator the service redirects calls through (default: env Twilio__ApiBaseUrl, else http://127.0.0.1:5081).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Twilio__ApiBaseUrl") is { Length: > 0 } api ? api : "http://127.0.0.1:5081",
        };
        var maxRequests = new Option<int>("--max-requests")
        {
            Description = "Loop guard: the most TwiML requests the call may make.",
            DefaultValueFactory = _ => 200,
        };

        var command = new Command("call", "Place an emulated Twilio call against the service and print the conversation.")
        {
            url, to, from, digits, say, authToken, accountSid, technician, talk, maxRequests, apiKey, twilioApi,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = console ?? AnsiConsole.Console;
            var token = parseResult.GetValue(authToken);
            if (string.IsNullOrWhiteSpace(token))
            {
                output.MarkupLine("[red]No auth token: pass --auth-token or set the Twilio__AuthToken environment variable.[/]");
                return UsageExitCode;
            }

            var talkTime = parseResult.GetValue(talk);
            TryParseTechnicians(parseResult.GetValue(technician), talkTime, out var answers);
            var technicians = new TechnicianScript(answers);
            var script = parseResult.GetValue(digits);
            var speech = parseResult.GetValue(say) ?? [];
            ICallerScript caller;
            try
            {
                caller = script is null && speech.Length == 0
                    ? new InteractiveCaller(input ?? Console.In, text => output.Markup($"[bold yellow]{Markup.Escape(text)}[/]"))
                    {
                        EchoInput = input is not null || Console.IsInputRedirected,
                    }
                    : new ScriptedCaller(script is null ? [] : script.Split(','), speech);
            }
            catch (ArgumentException ex)
            {
                output.MarkupLine($"[red]--digits: {Markup.Escape(ex.Message)}[/]");
                return UsageExitCode;
            }

            var voiceUrl = parseResult.GetValue(url)!.TrimEnd('/') + "/twilio/voice";
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
            var desk = new DeskChannel(http, parseResult.GetValue(url)!.TrimEnd('/'), parseResult.GetValue(apiKey), parseResult.GetValue(twilioApi)!.TrimEnd('/'),
                parseResult.GetValue(accountSid)!, token, parseResult.GetValue(from)!, parseResult.GetValue(to)!, output);
            CallDriver driver;
            try
            {
                driver = new CallDriver(http, new CallDriverOptions
                {
                    VoiceUrl = voiceUrl,
                    AuthToken = token,
                    AccountSid = parseResult.GetValue(accountSid)!,
                    From = parseResult.GetValue(from)!,
                    To = parseResult.GetValue(to)!,
                    Caller = caller,
                    Technician = technicians,
                    MaxRequests = parseResult.GetValue(maxRequests),
                    OnEntry = entry => TranscriptRenderer.Write(output, entry),
                    Desk = desk.TransferAsync,
                    Redirects = desk.RedirectAsync,
                });
            }
            catch (ArgumentException ex)
            {
                output.MarkupLine($"[red]{Markup.Escape(ex.Message)}[/]");
                return UsageExitCode;
            }

            output.Write(new Rule($"Calling {Markup.Escape(voiceUrl)} from {Markup.Escape(parseResult.GetValue(from)!)}").LeftJustified());
            var result = await driver.RunAsync(cancellationToken);
            TranscriptRenderer.WriteSummary(output, result);
            return result switch
            {
                { Outcome: CallOutcome.StepLimitExceeded } => LoopExitCode,
                { Succeeded: false } => ApplicationErrorExitCode,
                _ => 0,
            };
        });
        return command;
    }

    /// <summary>The <c>--technician</c> list as answers: a behaviour, or <c>transfer:&lt;target&gt;[:warm|cold[:&lt;after&gt;]]</c>.</summary>
    internal static bool TryParseTechnicians(string? text, TimeSpan talk, out TechnicianAnswer[] answers)
    {
        var parts = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        answers = new TechnicianAnswer[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].StartsWith("transfer:", StringComparison.OrdinalIgnoreCase))
            {
                var fields = parts[i].Split(':');
                var mode = fields.Length > 2 ? fields[2].ToLowerInvariant() : "warm";
                TimeSpan? after = fields.Length <= 3 ? TimeSpan.FromMinutes(5) : TryParseTalk(fields[3], out var given) ? given : null;
                if (fields.Length > 4 || fields[1].Length == 0 || mode is not ("warm" or "cold") || after is null)
                {
                    return false;
                }

                answers[i] = TechnicianAnswer.AcceptThenTransfer(new TransferAsk(fields[1], mode, after.Value), talk > after.Value ? talk : after.Value + talk);
                continue;
            }

            if (!TryParseTechnician(parts[i], out var behavior))
            {
                return false;
            }

            answers[i] = new TechnicianAnswer(behavior[0], talk);
        }

        return parts.Length > 0;
    }

    internal static bool TryParseTechnician(string? text, out TechnicianBehavior[] behaviors)
    {
        var parts = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        behaviors = new TechnicianBehavior[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            TechnicianBehavior? behavior = parts[i].ToLowerInvariant() switch
            {
                "accept" => TechnicianBehavior.Accept,
                "decline" => TechnicianBehavior.Decline,
                "no-answer" => TechnicianBehavior.NoAnswer,
                "busy" => TechnicianBehavior.Busy,
                _ => null,
            };
            if (behavior is null)
            {
                return false;
            }

            behaviors[i] = behavior.Value;
        }

        return parts.Length > 0;
    }

    /// <summary>Parses a talk time: <c>00:25:00</c>, <c>25m</c>, <c>90s</c>, <c>1h</c>; a bare number is minutes.</summary>
    public static bool TryParseTalk(string text, out TimeSpan talk)
    {
        text = text.Trim();
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out talk) && talk >= TimeSpan.Zero;
        }

        var last = text.Length > 0 ? char.ToLowerInvariant(text[^1]) : ' ';
        var (number, unit) = char.IsLetter(last) ? (text[..^1], last) : (text, 'm');
        talk = default;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            return false;
        }

        talk = unit switch
        {
            'h' => TimeSpan.FromHours(value),
            'm' => TimeSpan.FromMinutes(value),
            's' => TimeSpan.FromSeconds(value),
            _ => TimeSpan.MinValue,
        };
        return talk != TimeSpan.MinValue;
    }

    private static TimeSpan ParseTalk(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (TryParseTalk(text, out var talk))
        {
            return talk;
        }

        result.AddError($"--talk: '{text}' is not a duration (use 00:25:00, 25m, 90s or 1h).");
        return default;
    }
}
