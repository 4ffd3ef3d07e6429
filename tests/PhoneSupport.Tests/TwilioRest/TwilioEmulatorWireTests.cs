using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PhoneSupport.Emulators.Twilio.Rest;

namespace PhoneSupport.Tests.TwilioRest;

/// <summary>The emulator spoken to with a bare <see cref="HttpClient"/>: status codes, error JSON and validation.</summary>
public sealed class TwilioEmulatorWireTests : IAsyncLifetime
{
    private readonly HttpClient _http = new();
    private TwilioEmulator _emulator = null!;

    private string CallsUrl => $"{_emulator.BaseUrl}/2010-04-01/Accounts/{RestHarness.AccountSid}/Calls.json";

    public async Task InitializeAsync()
    {
        _emulator = new TwilioEmulator(new TwilioEmulatorOptions { AccountSid = RestHarness.AccountSid, AuthToken = RestHarness.AuthToken });
        await _emulator.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _emulator.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Json, HttpResponseMessage Response)> PostAsync(
        string url, IEnumerable<KeyValuePair<string, string>> form, string? user = RestHarness.AccountSid, string password = RestHarness.AuthToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        var response = await _http.SendAsync(request);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, json, response);
    }

    private static KeyValuePair<string, string>[] Form(params (string Key, string Value)[] pairs) =>
        pairs.Select(p => KeyValuePair.Create(p.Key, p.Value)).ToArray();

    [Theory]
    [InlineData(null, RestHarness.AuthToken)]
    [InlineData(RestHarness.AccountSid, "wrong-token")]
    [InlineData("AC" + "ffffffffffffffffffffffffffffffff", RestHarness.AuthToken)]
    public async Task Missing_or_wrong_credentials_get_401_with_error_20003(string? user, string password)
    {
        var (status, json, response) = await PostAsync(CallsUrl, Form(("To", RestHarness.Technician), ("From", RestHarness.From), ("Url", "https://x.example/")), user, password);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(20003, json.GetProperty("code").GetInt32());
        Assert.Equal(401, json.GetProperty("status").GetInt32());
        Assert.Equal("https://www.twilio.com/docs/errors/20003", json.GetProperty("more_info").GetString());
        Assert.Equal("Basic realm=\"Twilio API\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Empty(_emulator.Calls);
    }

    [Theory]
    [InlineData("", RestHarness.From, "https://x.example/", 21201)]
    [InlineData(RestHarness.Technician, "", "https://x.example/", 21213)]
    [InlineData(RestHarness.Technician, RestHarness.From, "", 21205)]
    [InlineData(RestHarness.Technician, RestHarness.From, "/relative", 21205)]
    [InlineData("5550102222", RestHarness.From, "https://x.example/", 21211)]
    public async Task Invalid_creates_get_400_with_twilios_code_and_create_nothing(string to, string from, string url, int code)
    {
        var pairs = new List<(string, string)>();
        if (to.Length > 0) pairs.Add(("To", to));
        if (from.Length > 0) pairs.Add(("From", from));
        if (url.Length > 0) pairs.Add(("Url", url));

        var (status, json, _) = await PostAsync(CallsUrl, Form([.. pairs]));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal((code, 400), (json.GetProperty("code").GetInt32(), json.GetProperty("status").GetInt32()));
        Assert.False(string.IsNullOrEmpty(json.GetProperty("message").GetString()));
        Assert.Empty(_emulator.Calls);
        Assert.Equal(400, _emulator.Requests.Single().ResponseStatus);
    }

    [Fact]
    public async Task A_created_call_answers_201_with_twilios_call_json()
    {
        var (status, json, _) = await PostAsync(CallsUrl, Form(("To", RestHarness.Technician), ("From", RestHarness.From),
            ("Url", "https://x.example/outbound"), ("StatusCallbackEvent", "ringing"), ("StatusCallbackEvent", "completed")));

        Assert.Equal(HttpStatusCode.Created, status);
        string[] fields = ["sid", "date_created", "date_updated", "parent_call_sid", "account_sid", "to", "to_formatted", "from",
            "from_formatted", "status", "start_time", "end_time", "duration", "price", "price_unit", "direction", "answered_by",
            "api_version", "queue_time", "uri", "subresource_uris"];
        Assert.All(fields, f => Assert.True(json.TryGetProperty(f, out _), $"missing {f}"));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("duration").ValueKind);
        Assert.Matches(@"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$", json.GetProperty("date_created").GetString());
        Assert.Equal(["ringing", "completed"], _emulator.Calls.Single().StatusCallbackEvents);
    }

    [Fact]
    public async Task Unknown_calls_accounts_and_paths_get_404_with_error_20404()
    {
        var unknownCall = await _http.SendAsync(Authorized(HttpMethod.Get, CallsUrl.Replace("Calls.json", "Calls/CA" + new string('9', 32) + ".json", StringComparison.Ordinal)));
        var otherAccount = await PostAsync(CallsUrl.Replace(RestHarness.AccountSid, "AC" + new string('e', 32), StringComparison.Ordinal), Form(("To", RestHarness.Technician)));
        var unknownPath = await _http.SendAsync(Authorized(HttpMethod.Get, $"{_emulator.BaseUrl}/2010-04-01/Accounts/{RestHarness.AccountSid}/Queues.json"));

        Assert.Equal(HttpStatusCode.NotFound, unknownCall.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherAccount.Status);
        Assert.Equal(20404, otherAccount.Json.GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, unknownPath.StatusCode);
        Assert.Equal([TwilioEndpoint.FetchCall, TwilioEndpoint.CreateCall, null], _emulator.Requests.Select(r => r.Endpoint));
    }

    [Fact]
    public async Task Messages_need_a_to_a_sender_and_a_body()
    {
        var url = CallsUrl.Replace("Calls.json", "Messages.json", StringComparison.Ordinal);

        var noBody = await PostAsync(url, Form(("To", RestHarness.Customer), ("From", RestHarness.From)));
        var noSender = await PostAsync(url, Form(("To", RestHarness.Customer), ("Body", "Hi")));
        var viaService = await PostAsync(url, Form(("To", RestHarness.Customer), ("MessagingServiceSid", "MG" + new string('1', 32)), ("Body", "Hi")));

        Assert.Equal((HttpStatusCode.BadRequest, 21602), (noBody.Status, noBody.Json.GetProperty("code").GetInt32()));
        Assert.Equal((HttpStatusCode.BadRequest, 21603), (noSender.Status, noSender.Json.GetProperty("code").GetInt32()));
        Assert.Equal((HttpStatusCode.Created, "accepted"), (viaService.Status, viaService.Json.GetProperty("status").GetString()));
        Assert.Equal("Hi", _emulator.Messages.Single().Body);
    }

    [Fact]
    public async Task Queued_faults_hit_only_their_endpoint_and_only_as_often_as_asked()
    {
        _emulator.FailNext(TwilioEndpoint.CreateMessage, 503, 20503, message: "Down for maintenance");
        var ok = Form(("To", RestHarness.Technician), ("From", RestHarness.From), ("Url", "https://x.example/"));

        var call = await PostAsync(CallsUrl, ok);
        var messageUrl = CallsUrl.Replace("Calls.json", "Messages.json", StringComparison.Ordinal);
        var failed = await PostAsync(messageUrl, Form(("To", RestHarness.Customer), ("From", RestHarness.From), ("Body", "Hi")));
        var next = await PostAsync(messageUrl, Form(("To", RestHarness.Customer), ("From", RestHarness.From), ("Body", "Hi")));

        Assert.Equal(HttpStatusCode.Created, call.Status);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, 20503, "Down for maintenance"),
            (failed.Status, failed.Json.GetProperty("code").GetInt32(), failed.Json.GetProperty("message").GetString()));
        Assert.Equal(HttpStatusCode.Created, next.Status);
        Assert.Single(_emulator.Messages);
    }

    private static HttpRequestMessage Authorized(HttpMethod method, string url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RestHarness.AccountSid}:{RestHarness.AuthToken}")));
        return request;
    }
}
