using Microsoft.Extensions.Logging.Abstractions;
using PhoneSupport.Emulators.Stripe;
using PhoneSupport.Stripe;
using Invoice = Stripe.Invoice;
using InvoiceCreateOptions = Stripe.InvoiceCreateOptions;
using InvoiceItemCreateOptions = Stripe.InvoiceItemCreateOptions;

namespace PhoneSupport.Tests.Stripe;

/// <summary>A started <see cref="StripeEmulator"/> and a <see cref="StripeClient"/> pointed at it over real HTTP.</summary>
internal sealed class StripeHarness : IAsyncDisposable
{
    public const string SecretKey = "sk_test_51EmulatorKey0123456789";
    public const string WebhookSecret = "whsec_harness_secret";
    /// <summary>The version Stripe.net sends (<see cref="global::Stripe.StripeConfiguration.ApiVersion"/>).</summary>
    public const string ApiVersion = "2026-10-28.endive";
    public const string Customer = "cus_Harness001";

    private readonly HttpClient _http;

    private StripeHarness(StripeEmulator emulator, StripeClient client, HttpClient http, StripeOptions options)
    {
        Emulator = emulator;
        Client = client;
        _http = http;
        Options = options;
    }

    public StripeEmulator Emulator { get; }

    public StripeClient Client { get; }

    public StripeOptions Options { get; }

    /// <summary>The emulator checks the pinned version, so every test also proves <c>Stripe-Version</c> is sent.</summary>
    public static StripeEmulatorOptions EmulatorOptions(string? webhookUrl = null) => new()
    {
        SecretKey = SecretKey, WebhookSecret = WebhookSecret, ApiVersion = ApiVersion, WebhookUrl = webhookUrl,
    };

    /// <summary>Fast retries unless a test asks otherwise.</summary>
    public static StripeOptions FastOptions(string baseUrl) => new()
    {
        SecretKey = SecretKey,
        WebhookSecret = WebhookSecret,
        ApiBaseUrl = baseUrl,
        ApiVersion = ApiVersion,
        RequestTimeout = TimeSpan.FromSeconds(30), // generous: a retried finalize under a loaded machine would reorder the events
        MaxRetries = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(50),
    };

    public static async Task<StripeHarness> StartAsync(Action<StripeOptions>? configure = null, StripeEmulatorOptions? emulatorOptions = null)
    {
        var emulator = new StripeEmulator(emulatorOptions ?? EmulatorOptions());
        await emulator.StartAsync();
        var options = FastOptions(emulator.BaseUrl);
        configure?.Invoke(options);
        var http = new HttpClient();
        var client = new StripeClient(http, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System,
            NullLogger<StripeClient>.Instance);
        return new StripeHarness(emulator, client, http, options);
    }

    public static InvoiceItemCreateOptions Item(string incident = "INC-42", string? invoice = null, long amount = 18000) => new()
    {
        Customer = Customer,
        Invoice = invoice,
        Amount = amount,
        Currency = "usd",
        Description = $"Night/weekend support 1.5 h @ $120/h ({incident})",
        Metadata = new Dictionary<string, string> { ["incident_id"] = incident, ["rate"] = "night_weekend" },
        Period = new global::Stripe.InvoiceItemPeriodOptions
        {
            Start = DateTimeOffset.FromUnixTimeSeconds(1767225600).UtcDateTime,
            End = DateTimeOffset.FromUnixTimeSeconds(1767231000).UtcDateTime,
        },
    };

    public static InvoiceCreateOptions Invoice(string incident = "INC-42") => new()
    {
        Customer = Customer,
        CollectionMethod = "charge_automatically",
        PendingInvoiceItemsBehavior = "exclude",
        AutoAdvance = false,
        Metadata = new Dictionary<string, string> { ["incident_id"] = incident },
    };

    /// <summary>Per-incident billing as research/stripe.md §1.5 lays it out; returns the paid invoice.</summary>
    public async Task<Invoice> BillIncidentAsync(string incident = "INC-42")
    {
        var invoice = await Client.CreateInvoiceAsync(Invoice(incident), $"inc:{incident}:invoice");
        await Client.CreateInvoiceItemAsync(Item(incident, invoice.Id), $"inc:{incident}:item");
        await Client.FinalizeInvoiceAsync(invoice.Id, $"inc:{incident}:finalize");
        return await Client.PayInvoiceAsync(invoice.Id, $"inc:{incident}:pay");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Emulator.DisposeAsync();
    }
}
