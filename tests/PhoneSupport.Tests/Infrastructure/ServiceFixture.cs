using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using NodaTime;
using PhoneSupport.Emulators.Stripe;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.TestSupport.Postgres;
using PhoneSupport.TestSupport.Time;

namespace PhoneSupport.Tests.Infrastructure;

/// <summary>
/// One real PostgreSQL cluster and one service host for the whole test run (xunit collection fixture).
/// Tests share the database but use their own keys (fresh CallSids, numbers), never shared mutable rows.
/// </summary>
public sealed class ServiceFixture : IAsyncLifetime
{
    public const string AuthToken = "test-auth-token-0123456789abcdef";
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string PublicBaseUrl = "http://localhost";
    public const string StripeSecretKey = "sk_test_51FixtureKey0123456789";
    public const string StripeWebhookSecret = "whsec_fixture_secret";
    public const string StripeApiVersion = "2026-10-28.endive";

    private PostgresServer? _server;

    public string ConnectionString { get; private set; } = "";
    public PostgresServer Server => _server ?? throw new InvalidOperationException("Not started.");
    /// <summary>The hosts' one time source (their TimeProvider and, bridged, their IClock); timers wait real time.</summary>
    public ManualTimeProvider Clock { get; } = new(Instant.FromUtc(2026, 7, 1, 14, 0), timersInRealTime: true);
    public WebApplicationFactory<Program> Factory { get; private set; } = null!;

    /// <summary>Twilio's REST side on 127.0.0.1; its outbound calls reach the in-memory host.</summary>
    public TwilioEmulator Twilio { get; private set; } = null!;

    /// <summary>Stripe's API on 127.0.0.1; its signed events reach the in-memory host's <c>/stripe/webhook</c>.</summary>
    public StripeEmulator Stripe { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Twilio = new TwilioEmulator(new TwilioEmulatorOptions
        {
            AccountSid = AccountSid,
            AuthToken = AuthToken,
            WebhookHandler = () => Factory.Server.CreateHandler(),
        });
        await Twilio.StartAsync();
        Stripe = new StripeEmulator(new StripeEmulatorOptions
        {
            SecretKey = StripeSecretKey,
            WebhookSecret = StripeWebhookSecret,
            ApiVersion = StripeApiVersion,
            WebhookUrl = PublicBaseUrl + "/stripe/webhook",
            EnabledEvents = [.. StripeEmulatorOptions.DefaultEnabledEvents, "invoice_payment.paid"], // as README's endpoint
            WebhookHandler = () => new PhoneSupport.Storm.LazyHandler(() => Factory.Server.CreateHandler()),
        });
        await Stripe.StartAsync();
        _server = await PostgresServer.StartAsync();
        ConnectionString = await _server.CreateDatabaseAsync("phonesupport_tests");
        Factory = CreateFactory("Development", ConnectionString);
        using var client = Factory.CreateClient();
        var demo = await client.PostAsync("/dev/demo-data", null);
        demo.EnsureSuccessStatusCode();
    }

    /// <summary>A host with the test settings; <paramref name="overrides"/> change or remove (null) keys.</summary>
    public WebApplicationFactory<Program> CreateFactory(string environment, string connectionString, IDictionary<string, string?>? overrides = null, TimeProvider? clock = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:PhoneSupport"] = connectionString,
            ["PhoneSupport:PublicBaseUrl"] = PublicBaseUrl,
            ["Twilio:AccountSid"] = AccountSid,
            ["Twilio:AuthToken"] = AuthToken,
            ["Twilio:ApiBaseUrl"] = Twilio.BaseUrl,
            ["Twilio:CallsPerSecond"] = "1000",
            // Tests drive the dispatcher by hand (CallbackDispatcher.DispatchOnceAsync).
            ["PhoneSupport:Callbacks:DispatcherEnabled"] = "false",
            ["PhoneSupport:Queue:DispatcherEnabled"] = "false",
            ["PhoneSupport:Callbacks:EscalationPhoneNumber"] = "+17035550199",
            ["Stripe:SecretKey"] = StripeSecretKey,
            ["Stripe:WebhookSecret"] = StripeWebhookSecret,
            ["Stripe:ApiBaseUrl"] = Stripe.BaseUrl,
            ["Stripe:ApiVersion"] = StripeApiVersion,
            ["Stripe:MaxRetries"] = "0",
            ["Stripe:RetryBaseDelay"] = "00:00:00.010",
            // Tests drive the outbox by hand (BillingOutbox.RunOnceAsync), posting at once.
            ["PhoneSupport:Billing:WorkerEnabled"] = "false",
            ["PhoneSupport:Billing:PostingDelay"] = "00:00:00",
            // One caller number and one bootstrap key stand for many callers and clients across the whole run;
            // the rate-limit tests set their own limits.
            ["PhoneSupport:RateLimits:CallerPerMinute"] = "100000",
            ["PhoneSupport:RateLimits:ApiKeyPerMinute"] = "1000000",
            // Every in-memory client shares one (absent) address: the failure throttles get their own tests.
            ["PhoneSupport:RateLimits:SignInFailuresPerAddress"] = "1000000",
            ["PhoneSupport:RateLimits:ApiKeyFailuresPerAddress"] = "1000000",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        return new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment(environment);
            foreach (var (key, value) in settings) web.UseSetting(key, value);
            web.ConfigureTestServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton(clock ?? Clock);
            });
        });
    }

    public async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    public async Task DisposeAsync()
    {
        if (Factory is not null) await Factory.DisposeAsync();
        if (_server is not null) await _server.DisposeAsync();
        if (Twilio is not null) await Twilio.DisposeAsync();
        if (Stripe is not null) await Stripe.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ServiceHostCollection : ICollectionFixture<ServiceFixture>
{
    public const string Name = "service";
}
