extern alias cli;

using System.CommandLine;
using cli::PhoneSupport.Cli.Commands;
using Spectre.Console;

namespace PhoneSupport.Tests.Emulators;

public sealed class CallCommandTests : IAsyncLifetime
{
    private TwimlTestServer _server = null!;

    public async Task InitializeAsync() => _server = await TwimlTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static async Task<(int ExitCode, string Output)> RunAsync(string input, params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 250;
        var root = new RootCommand { CallCommand.Create(console, new StringReader(input)) };
        var exitCode = await root.Parse(["call", .. args]).InvokeAsync();
        return (exitCode, writer.ToString());
    }

    [Fact]
    public async Task A_scripted_call_prints_the_conversation_and_exits_zero()
    {
        _server.Twiml("/twilio/voice", "<Gather numDigits=\"1\" action=\"/twilio/menu\"><Say>Press 2 for support.</Say></Gather>")
            .Twiml("/twilio/menu", $"<Dial action=\"/twilio/done\"><Number url=\"/twilio/whisper\">+15550009999</Number></Dial>")
            .Twiml("/twilio/whisper", r => r["Digits"] == "1" ? "" : "<Gather numDigits=\"1\"><Say>New caller. Press 1.</Say></Gather><Hangup/>")
            .Twiml("/twilio/done", r => $"<Say>Dial status {r["DialCallStatus"]}.</Say>");

        var (exitCode, output) = await RunAsync("", "--url", _server.BaseUrl, "--digits", "2", "--auth-token", CallDriverTests.AuthToken,
            "--account-sid", CallDriverTests.AccountSid, "--talk", "25m");

        Assert.Equal(0, exitCode);
        Assert.Contains("IVR: Press 2 for support.", output, StringComparison.Ordinal);
        Assert.Contains("Caller presses: 2", output, StringComparison.Ordinal);
        Assert.Contains("Whisper to technician: New caller. Press 1.", output, StringComparison.Ordinal);
        Assert.Contains("Technician answers: 1", output, StringComparison.Ordinal);
        Assert.Contains("IVR: Dial status completed.", output, StringComparison.Ordinal);
        Assert.Equal("1500", _server.To("/twilio/done").Single()["DialCallDuration"]);
        Assert.All(_server.Requests, r => Assert.Equal(CallDriverTests.ExpectedSignature(r), r.Signature));
    }

    [Fact]
    public async Task Without_digits_or_say_the_caller_types_answers()
    {
        _server.Twiml("/twilio/voice", "<Gather input=\"dtmf speech\" action=\"/twilio/menu\"><Say>How can we help?</Say></Gather>")
            .Twiml("/twilio/menu", "<Hangup/>");

        var (exitCode, output) = await RunAsync("my printer is broken\n", "--url", _server.BaseUrl, "--auth-token", CallDriverTests.AuthToken);

        Assert.Equal(0, exitCode);
        Assert.Equal("my printer is broken", _server.To("/twilio/menu").Single()["SpeechResult"]);
        Assert.Contains("Keys or words", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_application_error_exits_non_zero()
    {
        _server.Respond("/twilio/voice", _ => Microsoft.AspNetCore.Http.Results.StatusCode(503));

        var (exitCode, output) = await RunAsync("", "--url", _server.BaseUrl, "--digits", "1", "--auth-token", CallDriverTests.AuthToken);

        Assert.Equal(CallCommand.ApplicationErrorExitCode, exitCode);
        Assert.Contains("Application error", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_loop_exits_with_the_loop_code()
    {
        _server.Twiml("/twilio/voice", "<Redirect>/twilio/voice</Redirect>");

        var (exitCode, _) = await RunAsync("", "--url", _server.BaseUrl, "--digits", "", "--auth-token", CallDriverTests.AuthToken,
            "--max-requests", "5");

        Assert.Equal(CallCommand.LoopExitCode, exitCode);
        Assert.Equal(5, _server.To("/twilio/voice").Count);
    }

    [Fact]
    public async Task A_missing_auth_token_is_named_in_the_error()
    {
        var (exitCode, output) = await RunAsync("", "--url", _server.BaseUrl, "--digits", "1", "--auth-token", "");

        Assert.Equal(CallCommand.UsageExitCode, exitCode);
        Assert.Contains("--auth-token", output, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Theory]
    [InlineData("00:25:00", 1500)]
    [InlineData("25m", 1500)]
    [InlineData("90s", 90)]
    [InlineData("1h", 3600)]
    [InlineData("7", 420)]
    public void Talk_time_accepts_timespans_and_units(string text, int seconds)
    {
        Assert.True(CallCommand.TryParseTalk(text, out var talk));
        Assert.Equal(TimeSpan.FromSeconds(seconds), talk);
    }
}
