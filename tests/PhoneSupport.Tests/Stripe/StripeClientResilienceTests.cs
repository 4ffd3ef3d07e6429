using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using PhoneSupport.Emulators.Stripe;
using PhoneSupport.Stripe;

namespace PhoneSupport.Tests.Stripe;

/// <summary>Retries: when they happen, that they reuse the key, and that the emulator's idempotency layer then bills once.</summary>
public sealed class StripeClientResilienceTests
{
    private const string Key = "inc:INC-42:item";

    [Fact]
    public async Task A_lost_answer_is_retried_with_the_same_key_and_the_replay_leaves_exactly_one_item()
    {
        await using var stripe = await StripeHarness.StartAsync();
        stripe.Emulator.FailAfterProcessingNext(StripeEndpoint.CreateInvoiceItem, 500);

        var item = await stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item(), Key);

        var requests = stripe.Emulator.RequestsTo(StripeEndpoint.CreateInvoiceItem);
        Assert.Equal([500, 200], requests.Select(r => r.ResponseStatus));
        Assert.All(requests, r => Assert.Equal(Key, r.IdempotencyKey));
        Assert.Equal(requests[0].RawForm, requests[1].RawForm);
        Assert.True(requests[1].Replayed);
        var stored = Assert.Single(stripe.Emulator.InvoiceItems);
        Assert.Equal(stored.Id, item.Id);
    }

    [Fact]
    public async Task Injected_500s_are_retried_with_the_same_key_until_one_succeeds()
    {
        await using var stripe = await StripeHarness.StartAsync();
        stripe.Emulator.FailNext(StripeEndpoint.CreateInvoiceItem, 500, count: 2);

        await stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item(), Key);

        var requests = stripe.Emulator.RequestsTo(StripeEndpoint.CreateInvoiceItem);
        Assert.Equal([500, 500, 200], requests.Select(r => r.ResponseStatus));
        Assert.All(requests, r => Assert.Equal(Key, r.IdempotencyKey));
        Assert.Single(stripe.Emulator.InvoiceItems);
    }

    [Fact]
    public async Task Should_retry_true_retries_a_409_and_429_is_retried_too()
    {
        await using var stripe = await StripeHarness.StartAsync();
        stripe.Emulator.FailNext(StripeEndpoint.CreateInvoice, 409, shouldRetry: true, code: "lock_timeout");
        stripe.Emulator.FailNext(StripeEndpoint.CreateInvoice, 429);

        var invoice = await stripe.Client.CreateInvoiceAsync(StripeHarness.Invoice(), "inc:INC-42:invoice");

        Assert.Equal([409, 429, 200], stripe.Emulator.RequestsTo(StripeEndpoint.CreateInvoice).Select(r => r.ResponseStatus));
        Assert.Equal(invoice.Id, Assert.Single(stripe.Emulator.Invoices).Id);
    }

    [Fact]
    public async Task Retries_stop_after_max_retries_with_stripes_error()
    {
        await using var stripe = await StripeHarness.StartAsync(o => o.MaxRetries = 2);
        stripe.Emulator.FailNext(StripeEndpoint.CreateInvoiceItem, 502, count: 10);

        var error = await Assert.ThrowsAsync<StripeApiException>(() => stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item(), Key));

        Assert.Equal((502, "api_error", (bool?)null), (error.Status, error.Type, error.ShouldRetry));
        Assert.Equal(3, stripe.Emulator.RequestsTo(StripeEndpoint.CreateInvoiceItem).Count);
        Assert.Empty(stripe.Emulator.InvoiceItems);
    }

    [Fact]
    public async Task A_timeout_is_retried_with_the_same_key_and_bills_once_even_though_the_first_attempt_went_through()
    {
        await using var stripe = await StripeHarness.StartAsync(o =>
        {
            o.RequestTimeout = TimeSpan.FromMilliseconds(250);
            o.MaxRetries = 10;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(50);
            o.RetryMaxDelay = TimeSpan.FromMilliseconds(200);
        });
        stripe.Emulator.DelayNext(StripeEndpoint.CreateInvoiceItem, TimeSpan.FromMilliseconds(600));

        var item = await stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item(), Key);

        var requests = stripe.Emulator.RequestsTo(StripeEndpoint.CreateInvoiceItem);
        Assert.True(requests.Count >= 2, $"expected a retry, got {requests.Count} request(s)");
        Assert.All(requests, r => Assert.Equal(Key, r.IdempotencyKey));
        Assert.True(requests[^1].Replayed);
        Assert.Equal(item.Id, Assert.Single(stripe.Emulator.InvoiceItems).Id);
    }

    [Fact]
    public async Task A_card_decline_is_a_402_with_its_decline_code_not_retried_and_replayed_for_the_same_key()
    {
        await using var stripe = await StripeHarness.StartAsync();
        stripe.Emulator.DeclinePaymentsFor(StripeHarness.Customer, "insufficient_funds");
        var invoice = await stripe.Client.CreateInvoiceAsync(StripeHarness.Invoice(), "inc:INC-42:invoice");
        await stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item(invoice: invoice.Id), Key);
        await stripe.Client.FinalizeInvoiceAsync(invoice.Id, "inc:INC-42:finalize");

        var declined = await Assert.ThrowsAsync<StripeApiException>(() => stripe.Client.PayInvoiceAsync(invoice.Id, "inc:INC-42:pay:1"));
        stripe.Emulator.AcceptPaymentsFor(StripeHarness.Customer);
        var replayed = await Assert.ThrowsAsync<StripeApiException>(() => stripe.Client.PayInvoiceAsync(invoice.Id, "inc:INC-42:pay:1"));
        var paid = await stripe.Client.PayInvoiceAsync(invoice.Id, "inc:INC-42:pay:2");

        Assert.Equal((402, "card_error", "card_declined", "insufficient_funds"), (declined.Status, declined.Type, declined.Code, declined.DeclineCode));
        Assert.True(declined.IsCardError);
        Assert.Equal("Your card has insufficient funds.", declined.Message);
        Assert.Equal(declined.DeclineCode, replayed.DeclineCode); // Stripe saves a decline under its key: a new attempt needs a new key
        Assert.Equal([false, true, false], stripe.Emulator.RequestsTo(StripeEndpoint.PayInvoice).Select(r => r.Replayed));
        Assert.Equal((StripeInvoiceStatus.Paid, 2L), (paid.Status, paid.AttemptCount));
    }

    [Fact]
    public async Task Reusing_a_key_with_other_parameters_is_an_idempotency_error_and_creates_nothing_more()
    {
        await using var stripe = await StripeHarness.StartAsync();
        await stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item(amount: 18000), Key);

        var error = await Assert.ThrowsAsync<StripeApiException>(() => stripe.Client.CreateInvoiceItemAsync(StripeHarness.Item(amount: 26000), Key));

        Assert.Equal((400, "idempotency_error"), (error.Status, error.Type));
        Assert.Contains("same parameters", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, stripe.Emulator.RequestsTo(StripeEndpoint.CreateInvoiceItem).Count);
        Assert.Single(stripe.Emulator.InvoiceItems);
    }

    [Fact]
    public async Task A_wrong_secret_key_is_a_401_that_is_not_retried_and_does_not_echo_the_key()
    {
        await using var stripe = await StripeHarness.StartAsync(o => o.SecretKey = "sk_test_wrongwrongwrong1234");

        var error = await Assert.ThrowsAsync<StripeApiException>(() => stripe.Client.CreateInvoiceAsync(StripeHarness.Invoice(), "k"));

        Assert.Equal((401, "invalid_request_error"), (error.Status, error.Type));
        Assert.StartsWith("Invalid API Key provided: sk_test_", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrongwrongwrong", error.Message, StringComparison.Ordinal);
        Assert.Single(stripe.Emulator.Requests);
    }

    [Fact]
    public async Task A_refused_connection_is_retried_then_surfaces_as_http_request_exception()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var options = StripeHarness.FastOptions($"http://127.0.0.1:{port}");
        using var counting = new CountingHandler();
        using var http = new HttpClient(counting);
        var client = new StripeClient(http, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, NullLogger<StripeClient>.Instance);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.CreateInvoiceAsync(StripeHarness.Invoice(), "k"));

        Assert.Equal(options.MaxRetries + 1, counting.Attempts);
        Assert.Equal(["k"], counting.Keys.Distinct());
    }

    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public int Attempts { get; private set; }

        public List<string> Keys { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Attempts++;
            Keys.AddRange(request.Headers.GetValues("Idempotency-Key"));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
