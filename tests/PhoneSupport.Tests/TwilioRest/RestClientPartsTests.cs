using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Tests.TwilioRest;

/// <summary>Parsing, error reading, options and the DI registration.</summary>
public sealed class RestClientPartsTests
{
    [Theory]
    [InlineData("Tue, 31 Aug 2010 20:36:28 +0000", "2010-08-31T20:36:28+00:00")]
    [InlineData("Sun, 25 Mar 2018 09:53:19 +0000", "2018-03-25T09:53:19+00:00")]
    [InlineData("Mon, 02 Mar 2026 04:05:06 +0000", "2026-03-02T04:05:06+00:00")]
    public void Rfc2822_dates_read_by_the_library_keep_the_exact_instant(string text, string expected)
    {
        var json = $$"""{"sid":"CA{{new string('1', 32)}}","date_created":"{{text}}","status":"in-progress","duration":"42","queue_time":"0"}""";

        var call = CallResource.Of(global::Twilio.Rest.Api.V2010.Account.CallResource.FromJson(json));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), call.DateCreated);
        Assert.Equal(TimeSpan.Zero, call.DateCreated!.Value.Offset);
        Assert.Equal((CallStatus.InProgress, 42, 0), (call.Status, call.Duration, call.QueueTime));
    }

    [Fact]
    public void Absent_dates_are_null() =>
        Assert.Null(CallResource.Of(global::Twilio.Rest.Api.V2010.Account.CallResource.FromJson(
            $$"""{"sid":"CA{{new string('1', 32)}}","date_created":null}""")).DateCreated);

    [Fact]
    public void Update_options_refuse_url_and_twiml_together_and_an_empty_update()
    {
        Assert.Throws<ArgumentException>(() => new UpdateCallOptions { Url = new Uri("https://x.example/"), Twiml = "<Response/>" }.ToLibrary("CA1"));
        Assert.Throws<ArgumentException>(() => new UpdateCallOptions().ToLibrary("CA1"));
        Assert.Throws<ArgumentException>(() => UpdateCallOptions.Redirect(new Uri("https://x.example/"), HttpMethod.Put).ToLibrary("CA1"));
        Assert.Equal([KeyValuePair.Create("Status", "canceled")],
            new UpdateCallOptions { Status = UpdateCallStatus.Canceled }.ToLibrary("CA1").GetParams());
    }

    [Fact]
    public void List_filters_become_twilios_inequality_keys()
    {
        var query = new ListCallsOptions { To = "+15550102222", StartTimeAfter = new DateOnly(2026, 3, 2), PageSize = 20 }.ToLibrary().GetParams();

        Assert.Equal(["To", "StartTime>", "PageSize"], query.Select(p => p.Key));
        Assert.Equal("+15550102222", query[0].Value);
        Assert.StartsWith("2026-03-02", query[1].Value, StringComparison.Ordinal);
        Assert.Equal("20", query[2].Value);
    }

    [Fact]
    public async Task AddTwilioRestClient_binds_the_twilio_section_and_shares_one_limiter()
    {
        await using var emulator = new TwilioEmulator(new TwilioEmulatorOptions { AccountSid = RestHarness.AccountSid, AuthToken = RestHarness.AuthToken });
        var baseUrl = await emulator.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Twilio:AccountSid"] = RestHarness.AccountSid,
            ["Twilio:AuthToken"] = RestHarness.AuthToken,
            ["Twilio:ApiBaseUrl"] = baseUrl,
            ["Twilio:CallsPerSecond"] = "4",
            ["Twilio:RequestTimeout"] = "00:00:03",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddTwilioRestClient();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var client = provider.GetRequiredService<ITwilioRestClient>();
        var call = await client.CreateCallAsync(RestHarness.Call());

        Assert.Equal(call.Sid, emulator.Calls.Single().Sid);
        Assert.Same(provider.GetRequiredService<CallsPerSecondLimiter>(), provider.GetRequiredService<CallsPerSecondLimiter>());
        Assert.Equal(TimeSpan.FromMilliseconds(250), provider.GetRequiredService<CallsPerSecondLimiter>().Interval);
        Assert.Equal(TimeSpan.FromSeconds(3),
            provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<TwilioRestOptions>>().Value.RequestTimeout);
    }

    [Fact]
    public void Invalid_rest_options_fail_validation()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Twilio:CallsPerSecond"] = "0",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddTwilioRestClient();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<TwilioRestOptions>>().Value);
        Assert.Contains("Twilio:CallsPerSecond", error.Message, StringComparison.Ordinal);
    }
}
