using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Playwright;
using Npgsql;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Emulators.Stripe;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.Features.Accounts;
using PhoneSupport.Features.Billing;
using PhoneSupport.TestSupport.Postgres;
using PhoneSupport.TestSupport.Time;

namespace PhoneSupport.BrowserTests;

/// <summary>
/// The service on a real Kestrel port (Playwright's browser cannot reach the in-memory test server): a throwaway
/// PostgreSQL, the Twilio REST emulator calling back over real sockets, the demo data (its staff users' printed
/// passwords are what the tests sign in with), and one headless Debian chromium with a fresh profile.
/// </summary>
public sealed class ConsoleHost : IAsyncLifetime
{
    public const string AuthToken = "browser-auth-token-0123456789abcdef";
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string Chromium = "/usr/bin/chromium";
    public const string StripeSecretKey = "sk_test_51BrowserKey0123456789";
    public const string StripeWebhookSecret = "whsec_browser_secret";
    public const string StripeApiVersion = "2026-10-28.endive";

    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];

    private PostgresServer? _postgres;
    private WebApplicationFactory<Program>? _factory;
    private IPlaywright? _playwright;

    /// <summary>Wednesday 1 July 2026, 10:00 in New York: business hours on the Constellix line.</summary>
    public static readonly Instant BusinessHours = NewYork.AtStrictly(new LocalDateTime(2026, 7, 1, 10, 0)).ToInstant();

    public ManualTimeProvider Clock { get; } = new(BusinessHours, timersInRealTime: true);
    public string BaseUrl { get; private set; } = "";
    public string ConnectionString { get; private set; } = "";
    public TwilioEmulator Twilio { get; private set; } = null!;
    public StripeEmulator Stripe { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public IServiceProvider Services => _factory!.Services;

    /// <summary>User name and password of each demo staff user, by role, as <c>POST /dev/demo-data</c> answered them.</summary>
    public Dictionary<string, (string UserName, string Password)> Demo { get; } = [];

    /// <summary>Where screenshots go: <c>tests/PhoneSupport.BrowserTests/screenshots/</c> (git-ignored).</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(ProjectFolder(), "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium)) throw new InvalidOperationException($"{Chromium} is missing: run deploy/setup.sh (it installs Debian's chromium).");
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        Twilio = new TwilioEmulator(new TwilioEmulatorOptions { AccountSid = AccountSid, AuthToken = AuthToken });
        await Twilio.StartAsync();
        Stripe = new StripeEmulator(new StripeEmulatorOptions
        {
            SecretKey = StripeSecretKey,
            WebhookSecret = StripeWebhookSecret,
            ApiVersion = StripeApiVersion,
            WebhookUrl = BaseUrl + "/stripe/webhook",
        });
        await Stripe.StartAsync();
        _postgres = await PostgresServer.StartAsync();
        ConnectionString = await _postgres.CreateDatabaseAsync("phonesupport_console");

        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:PhoneSupport"] = ConnectionString,
            ["PhoneSupport:PublicBaseUrl"] = BaseUrl,
            ["Twilio:AccountSid"] = AccountSid,
            ["Twilio:AuthToken"] = AuthToken,
            ["Twilio:ApiBaseUrl"] = Twilio.BaseUrl,
            ["Twilio:CallsPerSecond"] = "1000",
            ["PhoneSupport:Callbacks:DispatcherEnabled"] = "false",
            ["PhoneSupport:Queue:DispatcherEnabled"] = "false",
            ["PhoneSupport:Console:RefreshEvery"] = "00:00:01",
            ["Stripe:SecretKey"] = StripeSecretKey,
            ["Stripe:WebhookSecret"] = StripeWebhookSecret,
            ["Stripe:ApiBaseUrl"] = Stripe.BaseUrl,
            ["Stripe:ApiVersion"] = StripeApiVersion,
            ["Stripe:MaxRetries"] = "0",
            ["PhoneSupport:Billing:WorkerEnabled"] = "false",
            ["PhoneSupport:Billing:PostingDelay"] = "00:00:00",
        };
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            foreach (var (key, value) in settings) web.UseSetting(key, value);
            web.ConfigureTestServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(Clock);
            });
        });
        _factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        _factory.StartServer();

        using (var http = new HttpClient { BaseAddress = new Uri(BaseUrl) })
        {
            var demo = await http.PostAsync("/dev/demo-data", null);
            demo.EnsureSuccessStatusCode();
            using var json = JsonDocument.Parse(await demo.Content.ReadAsStringAsync());
            foreach (var user in json.RootElement.GetProperty("staff").EnumerateArray())
                Demo[user.GetProperty("role").GetString()!] = (user.GetProperty("userName").GetString()!, user.GetProperty("password").GetString()!);
        }

        _playwright = await Playwright.CreateAsync();
        // Launch (not a persistent context): Playwright gives the browser a fresh temporary user-data-dir of its own.
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        Directory.CreateDirectory(ScreenshotFolder);
    }

    /// <summary>A new browser context (own cookies) and page, sized like a laptop unless told otherwise.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-US",
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the form, as a person would.</summary>
    public async Task<IPage> SignInAsync(string role, int width = 1280, int height = 900)
    {
        var page = await NewPageAsync(width, height);
        var (user, password) = Demo[role];
        await page.GotoAsync("/");
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        try
        {
            // Committed is enough: the sign-in redirects twice (to /console, then the role's page), and waiting for the "load" of a
            // document the redirects already replaced timed out now and then with the right page shown (2026-12-05, twice in
            // full runs). What the test does next waits for its own elements.
            await page.WaitForURLAsync(url => !url.Contains("/sign-in", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit });
            await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
        }
        catch (TimeoutException e)
        {
            // Say what the page answered.
            var said = await page.Locator("#sign-in-error").AllInnerTextsAsync();
            var title = await page.TitleAsync();
            throw new TimeoutException($"Signing in as {role} ({user}) stayed on {page.Url} (\"{title}\"): {string.Join(" ", said)}", e);
        }
        return page;
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });

    public T InScope<T>(Func<IServiceProvider, T> use)
    {
        using var scope = Services.CreateScope();
        return use(scope.ServiceProvider);
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

    public void At(LocalDateTime newYorkTime) => Clock.Set(NewYork.AtStrictly(newYorkTime).ToInstant());

    /// <summary>A fresh Constellix account (unique numbers), optionally Corporate with a contract starting 2026-01-15.</summary>
    public async Task<(Guid Id, string Name, string Phone, string? ContractNumber)> CreateAccountAsync(string membership, bool contract = false, string? stripeCustomer = null)
    {
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
        var number = Unique(9);
        var name = $"Browser {membership} {number[^4..]}";
        var account = new Account(Guid.CreateVersion7(), "constellix", name, membership, number, Clock.GetCurrentInstant()) { StripeCustomerId = stripeCustomer };
        var phone = "+1555" + Unique(7);
        account.AddPhoneNumber(phone);
        var contractNumber = contract ? Unique(8) : null;
        if (contractNumber is not null) account.AddContract(Guid.CreateVersion7(), contractNumber, new LocalDate(2026, 1, 15), new LocalDate(2027, 1, 14), Clock.GetCurrentInstant());
        db.Accounts.Add(account);
        await db.SaveChangesAsync();
        return (account.Id, name, phone, contractNumber);
    }

    /// <summary>Plays Twilio's side of one inbound call against the Kestrel host (signed webhooks, TwiML followed).</summary>
    /// <summary>
    /// A Corporate contract's call on Saturday 11 July 2026 at 23:00 (the weekend window) that talked 2 h 40 min: 40 minutes
    /// beyond the included 2 hours, 2 steps at the contract's weekend rate ($120.00). Only the first seeded technician is available.
    /// </summary>
    public async Task<(Guid Id, string Name, string Phone, string? ContractNumber)> WeekendContractCallAsync()
    {
        At(new LocalDateTime(2026, 7, 11, 23, 0));
        await ScalarAsync<int>("with t as (update technicians set status = case when phone_number = '+15550200001' then 'available' else 'offline' end, status_since = now() - interval '1 hour', reserved_call_sid = null, reserved_until = null returning 1) select count(*)::int from t");
        var account = await CreateAccountAsync("Corporate", contract: true);
        await CallAsync("+1555997" + Unique(4), "+17038803095", ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"), TechnicianScript.Accepting(TimeSpan.FromMinutes(160)));
        return account;
    }

    public async Task<CallResult> CallAsync(string from, string to, ScriptedCaller caller, TechnicianScript? technicians = null)
    {
        using var http = new HttpClient();
        var result = await new CallDriver(http, new CallDriverOptions
        {
            VoiceUrl = BaseUrl + "/twilio/voice",
            AuthToken = AuthToken,
            AccountSid = AccountSid,
            From = from,
            To = to,
            Caller = caller,
            Technician = technicians ?? new TechnicianScript(),
            StartTime = Clock.GetCurrentInstant().ToDateTimeOffset(),
        }).RunAsync();
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Transcript));
        return result;
    }

    /// <summary>One pass of the billing outbox (as the worker would), and Stripe's signed events delivered back.</summary>
    public async Task PostChargesAsync()
    {
        using (var scope = Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<BillingOutbox>().RunOnceAsync(CancellationToken.None);
        await Stripe.WaitForDeliveriesAsync();
    }

    public static string Unique(int length) =>
        string.Concat(Guid.NewGuid().ToByteArray().Select(b => (char)('0' + b % 10))).Insert(0, "7")[..length];

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
        if (Twilio is not null) await Twilio.DisposeAsync();
        if (Stripe is not null) await Stripe.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string ProjectFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PhoneSupport.BrowserTests.csproj"))) dir = dir.Parent;
        return dir?.FullName ?? AppContext.BaseDirectory;
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleHostCollection : ICollectionFixture<ConsoleHost>
{
    public const string Name = "console";
}
