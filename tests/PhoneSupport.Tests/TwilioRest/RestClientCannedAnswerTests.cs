using PhoneSupport.Twilio.Rest;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace PhoneSupport.Tests.TwilioRest;

/// <summary>
/// Timeouts and unreadable bodies: tests that need only a canned answer or a delay, served by WireMock.Net over real HTTP
/// (the stateful <see cref="PhoneSupport.Emulators.Twilio.Rest.TwilioEmulator"/> stays for what needs Twilio's state).
/// </summary>
public sealed class RestClientCannedAnswerTests : IDisposable
{
    private const string CallSid = "CA33333333333333333333333333333333";
    private const string AccountPath = "/2010-04-01/Accounts/" + RestHarness.AccountSid;

    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly HttpClient _http;

    public RestClientCannedAnswerTests() => _http = RestHarness.Http(_server.Url!);

    public void Dispose()
    {
        _http.Dispose();
        _server.Stop();
        _server.Dispose();
    }

    [Fact]
    public async Task A_create_answered_2xx_with_an_unreadable_body_is_unknown_not_failed()
    {
        _server.Given(Request.Create().WithPath(AccountPath + "/Calls.json").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "text/html").WithBody("<html>ok</html>"));
        var client = Client(RestHarness.FastOptions());

        var unknown = await Assert.ThrowsAsync<TwilioCreateOutcomeUnknownException>(() => client.CreateCallAsync(RestHarness.Call()));

        Assert.IsType<Newtonsoft.Json.JsonException>(unknown.InnerException, exactMatch: false); // the library's JSON reader
        Assert.Contains("HTTP 201", unknown.Reason, StringComparison.Ordinal);
        Assert.Single(_server.LogEntries); // a create whose outcome is unknown is never sent again
    }

    [Fact]
    public async Task A_fetch_that_times_out_is_retried()
    {
        var options = RestHarness.FastOptions();
        options.RequestTimeout = TimeSpan.FromSeconds(1);
        // WireMock moves a scenario on only once the delayed answer has been sent (measured: a 2 s delay with a 10 ms retry
        // gave three requests), so the retry waits until the slow answer is out: timeout 1 s, delay 1.5 s, retry after 2 s.
        options.RetryBaseDelay = TimeSpan.FromSeconds(2);
        options.RetryMaxDelay = TimeSpan.FromSeconds(2);
        var fetch = Request.Create().WithPath($"{AccountPath}/Calls/{CallSid}.json").UsingGet();
        _server.Given(fetch).InScenario("slow fetch").WillSetStateTo("answered")
            .RespondWith(Response.Create().WithDelay(TimeSpan.FromMilliseconds(1500)).WithStatusCode(200)
                .WithHeader("Content-Type", "application/json").WithBody(CallJson));
        _server.Given(fetch).InScenario("slow fetch").WhenStateIs("answered")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(CallJson));
        var client = Client(options);

        var fetched = await client.FetchCallAsync(CallSid);

        Assert.Equal(CallSid, fetched!.Sid);
        Assert.Equal(2, _server.LogEntries.Count(e => e.RequestMessage.Path.EndsWith($"/Calls/{CallSid}.json", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_idempotent_request_that_keeps_timing_out_ends_in_a_timeout_exception()
    {
        var options = RestHarness.FastOptions();
        options.RequestTimeout = TimeSpan.FromSeconds(1);
        options.MaxRetries = 1;
        _server.Given(Request.Create().WithPath(AccountPath + "/Calls.json").UsingGet())
            .RespondWith(Response.Create().WithDelay(TimeSpan.FromSeconds(3)).WithStatusCode(200)
                .WithHeader("Content-Type", "application/json").WithBody("""{"calls":[],"next_page_uri":null}"""));
        var client = Client(options);

        await Assert.ThrowsAsync<TimeoutException>(() => client.ListCallsAsync(new ListCallsOptions()));

        await RestHarness.EventuallyAsync(() => _server.LogEntries.Count() >= 2, "both attempts are logged");
        Assert.Equal(2, _server.LogEntries.Count(e => e.RequestMessage.Path.EndsWith("/Calls.json", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Twilio_error_json_is_read_with_its_details()
    {
        _server.Given(Request.Create().WithPath(AccountPath + "/Calls.json").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(400).WithHeader("Content-Type", "application/json").WithBody(
                """{"code": 21211, "message": "Invalid 'To' Phone Number", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400, "details": {"field": "To"}}"""));
        var client = Client(RestHarness.FastOptions());

        var error = await Assert.ThrowsAsync<TwilioApiException>(() => client.CreateCallAsync(RestHarness.Call()));

        Assert.Equal((400, 21211, "Invalid 'To' Phone Number"), (error.Status, error.Code, error.Message));
        Assert.Equal("https://www.twilio.com/docs/errors/21211", error.MoreInfo);
        Assert.Equal("To", error.Details!["field"]);
        Assert.Single(_server.LogEntries);
    }

    [Fact]
    public async Task A_body_that_is_not_twilio_json_keeps_the_http_status()
    {
        var options = RestHarness.FastOptions();
        options.MaxRetries = 0;
        _server.Given(Request.Create().WithPath($"{AccountPath}/Calls/{CallSid}.json").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(502).WithHeader("Content-Type", "text/html").WithBody("<html>Bad gateway</html>"));
        var client = Client(options);

        var error = await Assert.ThrowsAsync<TwilioApiException>(() => client.FetchCallAsync(CallSid));

        Assert.Equal((502, 0), (error.Status, error.Code));
        Assert.Contains("502", error.Message, StringComparison.Ordinal);
        Assert.Null(error.Details);
    }

    private TwilioRestClient Client(TwilioRestOptions options) =>
        RestHarness.CreateClient(_http, _server.Url!, options, TimeProvider.System);

    private static string CallJson => $$"""
        {"sid":"{{CallSid}}","account_sid":"{{RestHarness.AccountSid}}","to":"{{RestHarness.Customer}}","from":"+17038803095",
         "status":"in-progress","direction":"inbound","api_version":"2010-04-01"}
        """;
}
