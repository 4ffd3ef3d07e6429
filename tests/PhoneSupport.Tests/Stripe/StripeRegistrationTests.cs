using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PhoneSupport.Emulators.Stripe;
using PhoneSupport.Stripe;

namespace PhoneSupport.Tests.Stripe;

/// <summary><c>services.AddStripeClient()</c>: configuration binding, validation, and a working typed client.</summary>
public sealed class StripeRegistrationTests
{
    [Fact]
    public async Task The_registered_client_reaches_stripe_with_the_configured_key_and_version_and_the_verifier_uses_the_webhook_secret()
    {
        await using var emulator = new StripeEmulator(StripeHarness.EmulatorOptions());
        await emulator.StartAsync();
        await using var services = Services(new()
        {
            ["Stripe:SecretKey"] = StripeHarness.SecretKey,
            ["Stripe:WebhookSecret"] = StripeHarness.WebhookSecret,
            ["Stripe:ApiBaseUrl"] = emulator.BaseUrl,
            ["Stripe:ApiVersion"] = StripeHarness.ApiVersion,
        });

        var invoice = await services.GetRequiredService<IStripeClient>().CreateInvoiceAsync(StripeHarness.Invoice(), "inc:INC-1:invoice");
        const string payload = "{\"id\":\"evt_1\",\"type\":\"invoice.paid\",\"created\":1,\"data\":{\"object\":{}}}";
        var verdict = services.GetRequiredService<StripeWebhookVerifier>()
            .Verify(payload, emulator.SignatureHeader(payload), TimeProvider.System.GetUtcNow());

        var request = Assert.Single(emulator.Requests);
        Assert.Equal(("Bearer " + StripeHarness.SecretKey, StripeHarness.ApiVersion), (request.Authorization, request.StripeVersion));
        Assert.Equal(invoice.Id, Assert.Single(emulator.Invoices).Id);
        Assert.True(verdict.IsValid, verdict.Failure.ToString());
        var options = services.GetRequiredService<IOptions<StripeOptions>>().Value;
        Assert.Equal((2, TimeSpan.FromSeconds(300)), (options.MaxRetries, options.WebhookTolerance));
    }

    [Fact]
    public async Task A_missing_secret_key_fails_options_validation()
    {
        await using var services = Services(new() { ["Stripe:ApiVersion"] = StripeHarness.ApiVersion });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StripeOptions>>().Value);

        Assert.Contains("Stripe:SecretKey is required.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_version_other_than_the_librarys_fails_options_validation_naming_the_one_it_speaks()
    {
        await using var services = Services(new() { ["Stripe:SecretKey"] = StripeHarness.SecretKey, ["Stripe:ApiVersion"] = "2024-06-20" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StripeOptions>>().Value);

        Assert.Contains("Stripe:ApiVersion must be 2026-10-28.endive", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddStripeClient();
        return services.BuildServiceProvider();
    }
}
