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
    [InlineData("Mon, 2 Mar 2026 04:05:06 -0500", "2026-03-02T04:05:06-05:00")]
    [InlineData("Mon, 02 Mar 2026 09:05:06 GMT", "2026-03-02T09:05:06+00:00")]
    public void Rfc2822_dates_parse_to_the_exact_instant(string text, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Rfc2822.Parse(text));
        Assert.Equal(Rfc2822.Parse(text), Rfc2822.Parse(Rfc2822.Format(Rfc2822.Parse(text)!.Value)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("2010-08-31")]
    public void Absent_or_foreign_dates_are_null(string? text) => Assert.Null(Rfc2822.Parse(text));

    [Fact]
    public void Twilio_error_json_is_read_with_its_details()
    {
        const string body = """{"code": 21211, "message": "Invalid 'To' Phone Number", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400, "details": {"field": "To"}}""";

        var error = TwilioApiException.FromResponse(400, body);

        Assert.Equal((400, 21211, "Invalid 'To' Phone Number"), (error.Status, error.Code, error.Message));
        Assert.Equal("https://www.twilio.com/docs/errors/21211", error.MoreInfo);
        Assert.Equal("To", error.Details!.Value.GetProperty("field").GetString());
    }

    [Fact]
    public void A_body_that_is_not_twilio_json_keeps_the_http_status()
    {
        var error = TwilioApiException.FromResponse(502, "<html>Bad gateway</html>");

        Assert.Equal((502, 0), (error.Status, error.Code));
        Assert.Contains("502", error.Message, StringComparison.Ordinal);
        Assert.Null(error.Details);
    }

    [Fact]
    public void Update_options_refuse_url_and_twiml_together_and_an_empty_update()
    {
        Assert.Throws<ArgumentException>(() => new UpdateCallOptions { Url = new Uri("https://x.example/"), Twiml = "<Response/>" }.ToForm());
        Assert.Throws<ArgumentException>(() => new UpdateCallOptions().ToForm());
        Assert.Throws<ArgumentException>(() => UpdateCallOptions.Redirect(new Uri("https://x.example/"), HttpMethod.Put).ToForm());
        Assert.Equal([KeyValuePair.Create("Status", "canceled")], new UpdateCallOptions { Status = UpdateCallStatus.Canceled }.ToForm());
    }

    [Fact]
    public void List_query_escapes_twilios_inequality_keys()
    {
        var query = new ListCallsOptions { To = "+15550102222", StartTimeAfter = new DateOnly(2026, 3, 2), PageSize = 20 }.ToQuery();

        Assert.Equal("To=%2B15550102222&StartTime%3E=2026-03-02&PageSize=20", query);
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
