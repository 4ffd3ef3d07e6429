using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.Twilio;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Tests.TwilioRest;

/// <summary>A started <see cref="TwilioEmulator"/> and a <see cref="TwilioRestClient"/> pointed at it over real HTTP.</summary>
internal sealed class RestHarness : IAsyncDisposable
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = PhoneSupport.Tests.Emulators.CallDriverTests.AuthToken; // so its signature oracle applies
    public const string From = "+15550100001";
    public const string Technician = "+15550102222";
    public const string Customer = "+15550103333";

    private readonly HttpClient _http;

    private RestHarness(TwilioEmulator emulator, TwilioRestClient client, HttpClient http, TwilioRestOptions options)
    {
        Emulator = emulator;
        Client = client;
        _http = http;
        Options = options;
    }

    public TwilioEmulator Emulator { get; }

    public TwilioRestClient Client { get; }

    public TwilioRestOptions Options { get; }

    /// <summary>Fast retries and no CPS pacing unless a test asks for them.</summary>
    public static TwilioRestOptions FastOptions() => new()
    {
        CallsPerSecond = 1000,
        RequestTimeout = TimeSpan.FromSeconds(5),
        MaxRetries = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(50),
    };

    public static async Task<RestHarness> StartAsync(
        TwilioRestOptions? options = null, TwilioEmulatorOptions? emulatorOptions = null, TimeProvider? clientTime = null,
        string? authToken = null, string? apiBaseUrl = null, HttpMessageHandler? handler = null)
    {
        var emulator = new TwilioEmulator(emulatorOptions ?? new TwilioEmulatorOptions { AccountSid = AccountSid, AuthToken = AuthToken });
        if (apiBaseUrl is null)
        {
            await emulator.StartAsync();
        }

        options ??= FastOptions();
        var time = clientTime ?? TimeProvider.System;
        var http = Http(apiBaseUrl ?? emulator.BaseUrl, handler);
        var client = CreateClient(http, apiBaseUrl ?? emulator.BaseUrl, options, time, authToken ?? AuthToken);
        return new RestHarness(emulator, client, http, options);
    }

    /// <summary>The HTTP client as <see cref="TwilioRestServiceCollectionExtensions.AddTwilioRestClient"/> builds it: the handler to the base URL.</summary>
    public static HttpClient Http(string baseUrl, HttpMessageHandler? handler = null) =>
        new(new TwilioWireHandler(new Uri(baseUrl)) { InnerHandler = handler ?? new SocketsHttpHandler() }) { Timeout = Timeout.InfiniteTimeSpan };

    public static TwilioRestClient CreateClient(HttpClient http, string baseUrl, TwilioRestOptions options, TimeProvider time, string authToken = AuthToken) =>
        new(http,
            Microsoft.Extensions.Options.Options.Create(new TwilioOptions { AccountSid = AccountSid, AuthToken = authToken, ApiBaseUrl = baseUrl }),
            Microsoft.Extensions.Options.Options.Create(options),
            new CallsPerSecondLimiter(options.CallsPerSecond, time),
            time,
            NullLogger<TwilioRestClient>.Instance);

    public static CreateCallOptions Call(string to = Technician, string url = "https://service.example/twilio/outbound") =>
        new(to, From) { Url = new Uri(url) };

    /// <summary>Polls <paramref name="condition"/> for up to five seconds.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), $"Timed out waiting until {what}.");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Emulator.DisposeAsync();
    }
}
