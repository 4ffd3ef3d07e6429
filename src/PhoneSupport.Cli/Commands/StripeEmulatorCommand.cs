using System.CommandLine;
using PhoneSupport.Emulators.Stripe;
using Spectre.Console;

namespace PhoneSupport.Cli.Commands;

/// <summary>
/// <c>phonesupport stripe-emulator</c>: Stripe's API on 127.0.0.1 for the local demo. The service posts its charges
/// there (invoice items, invoices, finalize, pay); the emulator answers in Stripe's wire format and sends the signed
/// events (<c>invoice.finalized</c>, <c>invoice.paid</c>, …) to the service's <c>/stripe/webhook</c>. Prints every
/// invoice as it moves. Runs until Ctrl-C.
/// </summary>
public static class StripeEmulatorCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1.", DefaultValueFactory = _ => 5082 };
        var secretKey = new Option<string?>("--secret-key")
        {
            Description = "The API key accepted (default: env Stripe__SecretKey).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Stripe__SecretKey"),
        };
        var webhookSecret = new Option<string?>("--webhook-secret")
        {
            Description = "The secret that signs events (default: env Stripe__WebhookSecret).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Stripe__WebhookSecret"),
        };
        var webhookUrl = new Option<string?>("--webhook-url") { Description = "Where events are sent, e.g. http://127.0.0.1:5080/stripe/webhook." };
        var failureRate = new Option<double>("--failure-rate") { Description = "A share (0-1) of requests that fail at random (500s, lost answers, 429s).", DefaultValueFactory = _ => 0 };
        var command = new Command("stripe-emulator", "Run Stripe's API locally: invoices are created, finalized and paid; signed events go to the service.");
        command.Options.Add(port);
        command.Options.Add(secretKey);
        command.Options.Add(webhookSecret);
        command.Options.Add(webhookUrl);
        command.Options.Add(failureRate);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(secretKey) is not { Length: > 0 } key || parse.GetValue(webhookSecret) is not { Length: > 0 } secret)
            {
                AnsiConsole.MarkupLine("[red]--secret-key and --webhook-secret (or env Stripe__SecretKey, Stripe__WebhookSecret) are required.[/]");
                return 2;
            }
            await using var emulator = new StripeEmulator(new StripeEmulatorOptions
            {
                SecretKey = key, WebhookSecret = secret, Port = parse.GetValue(port), WebhookUrl = parse.GetValue(webhookUrl),
                EnabledEvents = [.. StripeEmulatorOptions.DefaultEnabledEvents, "invoice_payment.paid"], // the events the README enables
            });
            var url = await emulator.StartAsync(ct);
            emulator.FailRandomly(parse.GetValue(failureRate));
            AnsiConsole.MarkupLineInterpolated($"Stripe emulator on [bold]{url}[/]; events to {parse.GetValue(webhookUrl) ?? "(nowhere)"}. Ctrl-C stops it.");
            var seen = new Dictionary<string, string>();
            var deliveries = 0;
            try
            {
                while (!ct.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                    foreach (var invoice in emulator.Invoices)
                    {
                        if (seen.GetValueOrDefault(invoice.Id) == invoice.Status) continue;
                        seen[invoice.Id] = invoice.Status;
                        AnsiConsole.MarkupLineInterpolated(
                            $"[green]invoice[/] {invoice.Id} {invoice.Number} for {invoice.Customer}: {invoice.Status}, {invoice.AmountDue / 100m:0.00} {invoice.Currency} (incident {invoice.Metadata.GetValueOrDefault("incident_id")})");
                    }
                    foreach (var delivery in emulator.Deliveries.Skip(deliveries))
                        AnsiConsole.MarkupLineInterpolated($"[cyan]event[/] {delivery.Type} {delivery.EventId} → {delivery.Status?.ToString() ?? delivery.Error}");
                    deliveries = emulator.Deliveries.Count;
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
