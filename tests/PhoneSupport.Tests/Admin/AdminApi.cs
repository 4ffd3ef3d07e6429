using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Admin;

/// <summary>
/// A host of its own with a bootstrap admin key (the shared host has none), and clients per key. The ManualTimeProvider clock is the
/// collection's; a test that moves it restores it through <see cref="DisposeAsync"/>.
/// </summary>
public sealed class AdminApi : IAsyncDisposable
{
    public const string BootstrapKey = "bootstrap-admin-key-for-tests-0123456789";

    private readonly ServiceFixture _fixture;
    private readonly NodaTime.Instant _clockBefore;
    private readonly WebApplicationFactory<Program> _factory;
    private readonly List<HttpClient> _clients = [];

    public AdminApi(ServiceFixture fixture)
    {
        _fixture = fixture;
        _clockBefore = fixture.Clock.GetCurrentInstant();
        _factory = fixture.CreateFactory("Development", fixture.ConnectionString,
            new Dictionary<string, string?> { ["PhoneSupport:BootstrapAdminApiKey"] = BootstrapKey });
        Admin = Client(BootstrapKey);
    }

    /// <summary>Authenticated with the bootstrap admin key.</summary>
    public HttpClient Admin { get; }

    public HttpClient Client(string? key)
    {
        var client = _factory.CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        _clients.Add(client);
        return client;
    }

    /// <summary>
    /// A new key of <paramref name="role"/>, made through the API; answers the key and the created resource. A technician key
    /// is bound to <paramref name="technicianId"/>, or to a new (offline) technician of its own when none is given.
    /// </summary>
    public async Task<(string Key, JsonObject Body)> CreateKeyAsync(string role, string? technicianId = null)
    {
        if (role == "technician" && technicianId is null)
        {
            var technician = await ExpectAsync(await Admin.PostAsJsonAsync("/api/technicians",
                new { name = $"Key holder {Guid.NewGuid():N}"[..20], phoneNumber = NewPhone(), providers = new[] { "constellix" } }), HttpStatusCode.Created);
            technicianId = (string)technician["id"]!;
        }
        var body = await ExpectAsync(await Admin.PostAsJsonAsync("/api/api-keys", new { name = $"test {role} {Guid.NewGuid():N}", role, technicianId }), HttpStatusCode.Created);
        return ((string)body["key"]!, body);
    }

    /// <summary>A new account through the API (unique account number and phone).</summary>
    public async Task<JsonObject> CreateAccountAsync(string provider, string membership, string[]? userNames = null)
    {
        var request = new
        {
            provider,
            name = $"Test {membership}",
            membership,
            accountNumber = TestAccounts.UniqueDigits(10),
            phoneNumbers = new[] { NewPhone() },
            userNames = userNames ?? [],
        };
        return await ExpectAsync(await Admin.PostAsJsonAsync("/api/accounts", request), HttpStatusCode.Created);
    }

    public async Task<JsonObject> CreateContractAsync(string accountId, string startsOn, string endsOn)
    {
        var request = new { accountId, contractNumber = TestAccounts.UniqueDigits(9), startsOn, endsOn };
        return await ExpectAsync(await Admin.PostAsJsonAsync("/api/contracts", request), HttpStatusCode.Created);
    }

    public static string NewPhone() => "+1555" + TestAccounts.UniqueDigits(7);

    /// <summary>Asserts the status (showing the body when it differs) and answers the JSON object.</summary>
    public static async Task<JsonObject> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}, not {(int)status}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Asserts a problem+json answer with that status, and answers it.</summary>
    public static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await ExpectAsync(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, (int)problem["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        return problem;
    }

    /// <summary>The messages of a validation problem's <c>errors</c> map for <paramref name="field"/>, joined.</summary>
    public static string Errors(JsonObject problem, string field)
    {
        var errors = problem["errors"]?.AsObject();
        Assert.True(errors is not null && errors.ContainsKey(field), $"no errors.{field} in {problem.ToJsonString()}");
        return string.Join(" | ", errors![field]!.AsArray().Select(m => (string)m!));
    }

    public async ValueTask DisposeAsync()
    {
        _fixture.Clock.Set(_clockBefore);
        foreach (var client in _clients) client.Dispose();
        await _factory.DisposeAsync();
    }
}
