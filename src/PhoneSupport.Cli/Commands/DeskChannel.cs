using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using PhoneSupport.Emulators.Twilio;
using Spectre.Console;

namespace PhoneSupport.Cli.Commands;

/// <summary>
/// What <c>phonesupport call</c> needs to play a transfer: the technician's desk (the service's
/// <c>POST /api/calls/{sid}/transfer</c>) and Twilio's REST side, the emulator that takes the service's redirect of the
/// caller's leg (its back channel: the call made known, and the redirect read back).
/// </summary>
internal sealed class DeskChannel(
    HttpClient http, string serviceUrl, string? apiKey, string twilioApi, string accountSid, string authToken, string from, string to, IAnsiConsole output)
{
    private readonly AuthenticationHeaderValue _twilio = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{accountSid}:{authToken}")));

    public async Task TransferAsync(DeskTransfer desk, CancellationToken ct)
    {
        using var track = new HttpRequestMessage(HttpMethod.Post, $"{twilioApi}/emulator/calls/{Uri.EscapeDataString(desk.CallSid)}/track")
        {
            Content = new FormUrlEncodedContent([new("From", from), new("To", to)]),
        };
        track.Headers.Authorization = _twilio;
        using (var tracked = await http.SendAsync(track, ct))
        {
            if (!tracked.IsSuccessStatusCode)
            {
                output.MarkupLine($"[red]The Twilio emulator at {Markup.Escape(twilioApi)} did not take the call ({(int)tracked.StatusCode}); the transfer cannot be played.[/]");
                return;
            }
        }

        var target = desk.Ask.Target;
        object body = Guid.TryParse(target, out _) ? new { technicianId = target, mode = desk.Ask.Mode } : new { skill = target, mode = desk.Ask.Mode };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{serviceUrl}/api/calls/{Uri.EscapeDataString(desk.CallSid)}/transfer")
        {
            Content = JsonContent.Create(body),
        };
        if (apiKey is { Length: > 0 })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        using var answer = await http.SendAsync(request, ct);
        var text = await answer.Content.ReadAsStringAsync(ct);
        output.MarkupLine($"[blue]Desk: transfer {Markup.Escape(desk.Ask.Mode)} to {Markup.Escape(target)} → {(int)answer.StatusCode} {Markup.Escape(text)}[/]");
    }

    public async Task<CallRedirect?> RedirectAsync(string callSid, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{twilioApi}/emulator/calls/{Uri.EscapeDataString(callSid)}/redirect");
        request.Headers.Authorization = _twilio;
        using var answer = await http.SendAsync(request, ct);
        if (answer.StatusCode != System.Net.HttpStatusCode.OK)
        {
            return null;
        }

        var redirect = await answer.Content.ReadFromJsonAsync<Dictionary<string, string>>(ct);
        return redirect is not null && redirect.TryGetValue("url", out var url) ? new CallRedirect(url, redirect.GetValueOrDefault("method") ?? "POST") : null;
    }
}
