using System.Diagnostics;
using PhoneSupport.Emulators.Stripe;
using Xunit.Abstractions;

namespace PhoneSupport.Tests.Stripe;

/// <summary>
/// What Stripe.net 53.1.0 does on its own, measured against the emulator (decision 002): its retries (which our client
/// turns off), and the wire it writes. Counts are asserted; times are printed, not asserted.
/// </summary>
public sealed class StripeLibraryBehaviourTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Its_own_retries_repeat_a_500_with_the_same_key_after_real_time_sleeps_but_not_a_bare_429()
    {
        await using var emulator = new StripeEmulator(StripeHarness.EmulatorOptions());
        await emulator.StartAsync();
        using var http = new HttpClient();
        var library = new global::Stripe.StripeClient(new global::Stripe.StripeClientOptions
        {
            ApiKey = StripeHarness.SecretKey,
            ApiBase = emulator.BaseUrl,
            HttpClient = new global::Stripe.SystemNetHttpClient(http, maxNetworkRetries: 2, appInfo: null, enableTelemetry: false),
        });
        var key = new global::Stripe.RequestOptions { IdempotencyKey = "measure:500" };

        emulator.FailNext(StripeEndpoint.CreateInvoice, 500, count: 2);
        var watch = Stopwatch.StartNew();
        await library.V1.Invoices.CreateAsync(StripeHarness.Invoice("INC-500"), key);
        var after500s = watch.Elapsed;
        emulator.FailNext(StripeEndpoint.CreateInvoice, 429);
        var rateLimited = await Assert.ThrowsAsync<global::Stripe.StripeException>(() =>
            library.V1.Invoices.CreateAsync(StripeHarness.Invoice("INC-429"), new global::Stripe.RequestOptions { IdempotencyKey = "measure:429" }));

        var first = emulator.RequestsTo(StripeEndpoint.CreateInvoice).Where(r => r.IdempotencyKey == "measure:500").ToList();
        Assert.Equal([500, 500, 200], first.Select(r => r.ResponseStatus));
        Assert.Equal(429, (int)rateLimited.HttpStatusCode);
        Assert.Single(emulator.RequestsTo(StripeEndpoint.CreateInvoice), r => r.IdempotencyKey == "measure:429");
        output.WriteLine($"two 500s then 200 with maxNetworkRetries 2: {after500s.TotalMilliseconds:0} ms wall time "
            + $"(gaps {string.Join(", ", first.Zip(first.Skip(1), (a, b) => $"{(b.ReceivedAt - a.ReceivedAt).TotalMilliseconds:0} ms"))})");
        var request = first[^1];
        output.WriteLine($"headers: {string.Join("; ", request.Headers.Keys.Order(StringComparer.OrdinalIgnoreCase))}");
        output.WriteLine($"User-Agent: {request.UserAgent}");
        output.WriteLine($"Content-Type: {request.ContentType}");
        output.WriteLine($"body: {request.RawForm}");
    }
}
