using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Emulators.Twilio;
using Spectre.Console;

namespace PhoneSupport.Cli.Commands;

/// <summary>
/// <c>phonesupport demo-history</c>: fills a freshly started demo service (Development, its clock started some days back)
/// with a few weeks of past calls through the same code paths as any call — signed webhooks played by the emulator's
/// <see cref="CallDriver"/>, the service's own clock moved forward between calls (<c>POST /dev/clock/advance</c>), its
/// callback dispatcher ringing through the Twilio emulator and its billing outbox posting to the Stripe emulator.
/// The run command calls it once, on an empty database, then restarts the service at the intended instant.
/// </summary>
public static class DemoHistoryCommand
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly DateTimeZone Zurich = DateTimeZoneProviders.Tzdb["Europe/Zurich"];

    /// <summary>One past call: when (local wall time of its line), who calls which line, what they key, how long they talk.</summary>
    public sealed record PastCall(Instant At, string Label, string From, string To, string[] Digits, TimeSpan Talk, Instant? CallbackMorning = null);

    /// <summary>
    /// The calls of each week from <paramref name="from"/> until <paramref name="until"/>, in order: Constellix contract
    /// and bought-block calls in business hours, an evening callback promise in Zurich (called back the next morning), a weekend
    /// night call beyond the included two hours (a charge), and a Constructor Premier call in Zurich hours.
    /// </summary>
    public static IReadOnlyList<PastCall> Plan(Instant from, Instant until)
    {
        var calls = new List<PastCall>();
        for (var date = from.InZone(NewYork).Date; ; date = date.PlusDays(1))
        {
            Instant Ny(int h, int m) => NewYork.AtLeniently(date.At(new LocalTime(h, m))).ToInstant();
            Instant Zh(int h, int m) => Zurich.AtLeniently(date.At(new LocalTime(h, m))).ToInstant();
            if (Ny(0, 0) >= until) break;
            switch (date.DayOfWeek)
            {
                case IsoDayOfWeek.Monday or IsoDayOfWeek.Wednesday or IsoDayOfWeek.Friday:
                    calls.Add(new(Ny(10, 0), "Acme, contract 5550001", "+15550100001", "+17038803095", ["2", "5550001#", "1"], TimeSpan.FromMinutes(25)));
                    break;
                case IsoDayOfWeek.Tuesday:
                    calls.Add(new(Zh(10, 30), "Alpenbank (Premier), severity 1", "+41445550102", "+41525550100", ["2", "200002#", "1"], TimeSpan.FromMinutes(15)));
                    calls.Add(new(Ny(14, 0), "Globex buys 30 minutes, talks 40", "+15550100002", "+17038803095", ["3", "1", "1"], TimeSpan.FromMinutes(40)));
                    break;
                case IsoDayOfWeek.Thursday:
                    calls.Add(new(Zh(21, 30), "Zürich Software (Standard) at night: callback promised", "+41445550103", "+41525550100", ["1", "200003#", "1", "1"],
                        TimeSpan.FromMinutes(12), CallbackMorning: Zurich.AtLeniently(date.PlusDays(1).At(new LocalTime(8, 30))).ToInstant()));
                    break;
                case IsoDayOfWeek.Saturday:
                    calls.Add(new(Ny(23, 0), "Acme weekend night, 2 h 40 min", "+15550100001", "+17038803095", ["2", "5550001#", "1"], TimeSpan.FromMinutes(160)));
                    break;
            }
        }
        return [.. calls.Where(c => c.At >= from && c.At < until).OrderBy(c => c.At)];
    }

    public static Command Create(IAnsiConsole? console = null)
    {
        var url = new Option<string>("--url") { Description = "Base URL of the service.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var until = new Option<string>("--until") { Description = "The instant the history stops at (ISO-8601 UTC): where the demo's clock starts next." };
        var authToken = new Option<string?>("--auth-token")
        {
            Description = "The auth token that signs the webhooks (default: env Twilio__AuthToken).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Twilio__AuthToken"),
        };
        var command = new Command("demo-history", "Play a few weeks of past calls against a demo service whose clock starts in the past.") { url, until, authToken };
        command.SetAction(async (parseResult, ct) =>
        {
            var output = console ?? AnsiConsole.Console;
            var token = parseResult.GetValue(authToken);
            var end = InstantPattern.ExtendedIso.Parse(parseResult.GetValue(until) ?? "");
            if (string.IsNullOrWhiteSpace(token) || !end.Success)
            {
                output.MarkupLine("[red]Pass --until <instant> and --auth-token (or set Twilio__AuthToken).[/]");
                return CallCommand.UsageExitCode;
            }
            var baseUrl = parseResult.GetValue(url)!.TrimEnd('/');
            using var http = new HttpClient { BaseAddress = new Uri(baseUrl + "/"), Timeout = TimeSpan.FromSeconds(30) };
            var watch = Stopwatch.StartNew();
            var plan = Plan(await NowAsync(http, ct), end.Value);
            var (placed, failed) = (0, 0);
            foreach (var call in plan)
            {
                await AdvanceToAsync(http, call.At, ct);
                var result = await new CallDriver(http, new CallDriverOptions
                {
                    VoiceUrl = baseUrl + "/twilio/voice",
                    AuthToken = token,
                    AccountSid = Environment.GetEnvironmentVariable("Twilio__AccountSid") is { Length: > 0 } sid ? sid : "AC" + new string('0', 32),
                    From = call.From,
                    To = call.To,
                    Caller = new ScriptedCaller(call.Digits),
                    Technician = TechnicianScript.Accepting(call.Talk),
                    StartTime = call.At.ToDateTimeOffset(),
                }).RunAsync(ct);
                if (result.Succeeded) placed++;
                else failed++;
                output.MarkupLine($"{Markup.Escape(InstantPattern.ExtendedIso.Format(call.At))}  {Markup.Escape(call.Label)}: {(result.Succeeded ? "[green]done[/]" : "[red]failed[/]")}");
                // Past the talk time and the wrap-up, so the next call finds the technicians free and the charges are due for posting.
                await AdvanceToAsync(http, call.At + Duration.FromTimeSpan(call.Talk) + Duration.FromMinutes(10), ct);
                if (call.CallbackMorning is { } morning)
                {
                    // The next morning: the service's dispatcher (polling every few seconds) rings the technician, then the customer.
                    await AdvanceToAsync(http, morning, ct);
                    await Task.Delay(TimeSpan.FromSeconds(8), ct);
                }
            }
            // Let the billing outbox (every few seconds) post the last charges to the Stripe emulator.
            await Task.Delay(TimeSpan.FromSeconds(6), ct);
            output.MarkupLine($"Demo history: {placed} calls played ({failed} failed) in {watch.Elapsed.TotalSeconds:0.0} s.");
            return failed == 0 ? 0 : CallCommand.ApplicationErrorExitCode;
        });
        return command;
    }

    private sealed record ClockAnswer(string Now);

    private static async Task<Instant> NowAsync(HttpClient http, CancellationToken ct)
    {
        var answer = await http.GetFromJsonAsync<ClockAnswer>("dev/clock", ct) ?? throw new InvalidOperationException("GET /dev/clock answered nothing.");
        return InstantPattern.ExtendedIso.Parse(answer.Now).GetValueOrThrow();
    }

    /// <summary>Moves the service's clock forward to <paramref name="target"/> (never back: a past target changes nothing).</summary>
    private static async Task AdvanceToAsync(HttpClient http, Instant target, CancellationToken ct)
    {
        var by = target - await NowAsync(http, ct);
        if (by <= Duration.Zero) return;
        var response = await http.PostAsJsonAsync("dev/clock/advance", new { by = $"PT{(long)Math.Ceiling(by.TotalSeconds)}S" }, ct);
        response.EnsureSuccessStatusCode();
    }
}
