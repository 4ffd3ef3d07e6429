using Microsoft.Extensions.Logging.Abstractions;
using PhoneSupport.Stripe;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace PhoneSupport.Tests.Stripe;

/// <summary>
/// Retry decisions that need only a canned answer, served by WireMock.Net over real HTTP (the stateful
/// <see cref="PhoneSupport.Emulators.Stripe.StripeEmulator"/> stays for what needs Stripe's idempotency layer).
/// </summary>
public sealed class StripeClientCannedAnswerTests : IDisposable
{
    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _server.Stop();
        _server.Dispose();
    }

    [Fact]
    public async Task Should_retry_false_stops_retrying_even_a_503()
    {
        _server.Given(Request.Create().WithPath("/v1/invoices/in_any/finalize").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(503)
                .WithHeader("Content-Type", "application/json")
                .WithHeader("Stripe-Should-Retry", "false")
                .WithHeader("Request-Id", "req_Canned503NoRetry")
                .WithBody("""{"error":{"type":"api_error","message":"Stripe is briefly unavailable."}}"""));
        var client = new StripeClient(_http, Microsoft.Extensions.Options.Options.Create(StripeHarness.FastOptions(_server.Url!)),
            TimeProvider.System, NullLogger<StripeClient>.Instance);

        var error = await Assert.ThrowsAsync<StripeApiException>(() => client.FinalizeInvoiceAsync("in_any", "k:finalize"));

        Assert.Equal((503, "api_error", (bool?)false), (error.Status, error.Type, error.ShouldRetry));
        Assert.Matches("^req_", error.RequestId);
        var request = Assert.Single(_server.LogEntries).RequestMessage;
        Assert.Equal("k:finalize", request.Headers!["Idempotency-Key"].Single());
    }
}
