using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PhoneSupport.Emulators.Stripe;
using PhoneSupport.Stripe;

namespace PhoneSupport.Tests.Stripe;

/// <summary>The emulator's signed events, received over real HTTP and checked by <see cref="StripeWebhookVerifier"/> on the raw body.</summary>
public sealed class StripeWebhookDeliveryTests
{
    [Fact]
    public async Task A_sent_event_verifies_on_the_raw_body_and_carries_the_invoice_as_data_object()
    {
        await using var receiver = await WebhookReceiver.StartAsync(StripeHarness.WebhookSecret);
        await using var stripe = await StripeHarness.StartAsync();
        var paid = stripe.Emulator.FindInvoice((await stripe.BillIncidentAsync("INC-9")).Id)!;

        var delivery = await stripe.Emulator.SendEventAsync(receiver.Url, "invoice.paid", paid);

        Assert.Equal(200, delivery.Status);
        var received = Assert.Single(receiver.Received);
        Assert.True(received.Result.IsValid, received.Result.Failure.ToString());
        Assert.Equal((delivery.EventId, "invoice.paid"), (received.Result.Event!.Id, received.Result.Event.Type));
        using var data = JsonDocument.Parse(received.Result.Event.DataObjectJson);
        Assert.Equal((paid.Id, "paid", 18000L), (data.RootElement.GetProperty("id").GetString(),
            data.RootElement.GetProperty("status").GetString(), data.RootElement.GetProperty("amount_paid").GetInt64()));
        Assert.Matches("^t=\\d+,v1=[0-9a-f]{64},v0=[0-9a-f]{64}$", received.Header);
        Assert.Contains("\n  \"object\": \"event\"", received.Body, StringComparison.Ordinal);

        var reserialized = JsonSerializer.Serialize(JsonDocument.Parse(received.Body).RootElement);
        Assert.Equal(StripeWebhookFailure.NoMatchingSignature,
            new StripeWebhookVerifier(StripeHarness.WebhookSecret).Verify(reserialized, received.Header, TimeProvider.System.GetUtcNow()).Failure);
    }

    [Fact]
    public async Task During_rotation_one_v1_per_secret_lets_both_the_old_and_the_new_secret_verify()
    {
        await using var receiver = await WebhookReceiver.StartAsync("whsec_new");
        await using var stripe = await StripeHarness.StartAsync();

        var delivery = await stripe.Emulator.SendEventAsync(receiver.Url, "invoice.finalized", new { id = "in_1", @object = "invoice" },
            new StripeEventSigning { Secret = "whsec_old", AdditionalSecrets = ["whsec_new"], IncludeV0 = false });

        Assert.Equal(200, delivery.Status);
        Assert.Equal(2, delivery.SignatureHeader.Split(",v1=").Length - 1);
        Assert.True(new StripeWebhookVerifier("whsec_old").Verify(delivery.Payload, delivery.SignatureHeader, TimeProvider.System.GetUtcNow()).IsValid);
        Assert.True(Assert.Single(receiver.Received).Result.IsValid);
    }

    [Theory]
    [InlineData("wrong-secret", StripeWebhookFailure.NoMatchingSignature)]
    [InlineData("corrupt", StripeWebhookFailure.NoMatchingSignature)]
    [InlineData("stale", StripeWebhookFailure.TimestampOutsideTolerance)]
    [InlineData("future", StripeWebhookFailure.TimestampOutsideTolerance)]
    public async Task Bad_signatures_are_refused_with_their_reason(string how, StripeWebhookFailure expected)
    {
        await using var receiver = await WebhookReceiver.StartAsync(StripeHarness.WebhookSecret);
        await using var stripe = await StripeHarness.StartAsync();
        var signing = how switch
        {
            "wrong-secret" => new StripeEventSigning { Secret = "whsec_not_the_one" },
            "corrupt" => new StripeEventSigning { Corrupt = true },
            "stale" => new StripeEventSigning { Timestamp = TimeProvider.System.GetUtcNow().AddMinutes(-10) },
            _ => new StripeEventSigning { Timestamp = TimeProvider.System.GetUtcNow().AddMinutes(10) },
        };

        var delivery = await stripe.Emulator.SendEventAsync(receiver.Url, "invoice.paid", new { id = "in_1" }, signing);

        Assert.Equal(400, delivery.Status);
        Assert.Equal(expected, Assert.Single(receiver.Received).Result.Failure);
        Assert.Single(stripe.Emulator.Deliveries);
    }

    [Fact]
    public async Task Finalize_and_pay_send_invoice_finalized_then_invoice_paid_with_the_causing_idempotency_keys()
    {
        await using var receiver = await WebhookReceiver.StartAsync(StripeHarness.WebhookSecret);
        await using var stripe = await StripeHarness.StartAsync(emulatorOptions: StripeHarness.EmulatorOptions(receiver.Url));

        var paid = await stripe.BillIncidentAsync();
        await stripe.Emulator.WaitForDeliveriesAsync();

        var events = receiver.Received.Select(r => r.Result.Event!).ToList();
        Assert.All(receiver.Received, r => Assert.True(r.Result.IsValid, r.Result.Failure.ToString()));
        Assert.Equal(["invoice.finalized", "invoice.paid"], events.Select(e => e.Type));
        Assert.Equal(["inc:INC-42:finalize", "inc:INC-42:pay"], events.Select(e => e.RequestIdempotencyKey));
        Assert.Equal(["open", "paid"], events.Select(e => JsonDocument.Parse(e.DataObjectJson).RootElement.GetProperty("status").GetString()));
        Assert.All(events, e => Assert.Equal(paid.Id, JsonDocument.Parse(e.DataObjectJson).RootElement.GetProperty("id").GetString()));
        Assert.All(stripe.Emulator.Deliveries, d => Assert.True(d.Delivered));
    }

    [Fact]
    public async Task A_declined_payment_sends_invoice_payment_failed()
    {
        await using var receiver = await WebhookReceiver.StartAsync(StripeHarness.WebhookSecret);
        await using var stripe = await StripeHarness.StartAsync(emulatorOptions: StripeHarness.EmulatorOptions(receiver.Url));
        stripe.Emulator.DeclinePaymentsFor(StripeHarness.Customer, "expired_card");

        await Assert.ThrowsAsync<StripeApiException>(() => stripe.BillIncidentAsync());
        await stripe.Emulator.WaitForDeliveriesAsync();

        Assert.Equal(["invoice.finalized", "invoice.payment_failed"], receiver.Received.Select(r => r.Result.Event!.Type));
    }

    /// <summary>A webhook endpoint on 127.0.0.1 that reads the raw body, verifies it, and answers 200 or 400.</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly List<Delivery> _received = [];

        private WebhookReceiver(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";

        public IReadOnlyList<Delivery> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public static async Task<WebhookReceiver> StartAsync(string secret)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new WebhookReceiver(app);
            var verifier = new StripeWebhookVerifier(secret);
            app.MapPost("/stripe/webhook", async (HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                var header = context.Request.Headers["Stripe-Signature"].FirstOrDefault();
                var result = verifier.Verify(body, header, TimeProvider.System.GetUtcNow());
                lock (receiver._received)
                {
                    receiver._received.Add(new Delivery(body, header, result));
                }

                return result.IsValid ? Results.Ok() : Results.BadRequest(result.Failure.ToString());
            });
            await app.StartAsync();
            receiver.Url = app.Urls.Single().TrimEnd('/') + "/stripe/webhook";
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private sealed record Delivery(string Body, string? Header, StripeWebhookResult Result);
}
