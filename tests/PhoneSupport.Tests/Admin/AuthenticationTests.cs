using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using PhoneSupport.Features.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Admin;

/// <summary>Bearer API keys: 401 without or with a bad key, 403 for the wrong role, keys stored hashed and revocable.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class AuthenticationTests(ServiceFixture fixture) : IAsyncLifetime
{
    private readonly AdminApi _api = new(fixture);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task NoKey_Is401ProblemWithABearerChallenge()
    {
        var response = await _api.Client(null).GetAsync("/api/accounts");

        var problem = await AdminApi.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("Authorization: Bearer", (string?)problem["detail"]);
    }

    [Theory]
    [InlineData("Bearer", "psk_not-a-key-anyone-was-given")]
    [InlineData("Bearer", AdminApi.BootstrapKey + "x")]
    [InlineData("Basic", AdminApi.BootstrapKey)]
    public async Task WrongKeyOrScheme_Is401(string scheme, string key)
    {
        using var client = _api.Client(null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, key);

        var response = await client.GetAsync("/api/policies");

        await AdminApi.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task TechnicianKey_ReadsAccounts_ButCreatingOneIs403()
    {
        var (key, _) = await _api.CreateKeyAsync("technician");
        var technician = _api.Client(key);

        Assert.Equal(HttpStatusCode.OK, (await technician.GetAsync("/api/accounts?limit=1")).StatusCode);
        var response = await technician.PostAsJsonAsync("/api/accounts", new
        {
            provider = "constellix", name = "Nope", membership = "Business", accountNumber = TestAccounts.UniqueDigits(), phoneNumbers = new[] { AdminApi.NewPhone() },
        });

        var problem = await AdminApi.ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains("technician", (string?)problem["detail"]);
        await AdminApi.ProblemAsync(await technician.PostAsJsonAsync("/api/api-keys", new { name = "escalate", role = "admin" }), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task FinanceKey_ReadsPolicies_ButCannotProvisionContracts()
    {
        var (key, _) = await _api.CreateKeyAsync("finance");
        var finance = _api.Client(key);

        Assert.Equal(HttpStatusCode.OK, (await finance.GetAsync("/api/policies")).StatusCode);
        var response = await finance.PostAsJsonAsync("/api/contracts", new { accountId = Guid.NewGuid(), contractNumber = "123456", startsOn = "2026-01-01", endsOn = "2026-12-31" });
        await AdminApi.ProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task CreatedKey_IsShownOnce_AndStoredOnlyAsItsHash()
    {
        var (key, created) = await _api.CreateKeyAsync("finance");
        var id = Guid.Parse((string)created["id"]!);

        Assert.StartsWith("psk_", key);
        Assert.Equal(key[..8], (string?)created["prefix"]);
        Assert.Equal("finance", (string?)created["role"]);
        Assert.Equal(ApiKey.Hash(key), await fixture.ScalarAsync<string>("select key_hash from api_keys where id = $1", id));
        Assert.Equal(0L, await fixture.ScalarAsync<long>(
            "select count(*) from api_keys where key_hash = $1 or prefix = $1 or name = $1 or id::text = $1", key));
        var read = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/api-keys/{id}"), HttpStatusCode.OK);
        Assert.False(read.ContainsKey("key"));
        created.Remove("key");
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(created, read), $"{created.ToJsonString()} vs {read.ToJsonString()}");
    }

    [Fact]
    public async Task RevokedKey_Is401FromThenOn()
    {
        var (key, created) = await _api.CreateKeyAsync("admin");
        var client = _api.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/policies")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await _api.Admin.DeleteAsync($"/api/api-keys/{created["id"]}")).StatusCode);

        await AdminApi.ProblemAsync(await client.GetAsync("/api/policies"), HttpStatusCode.Unauthorized);
        var read = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/api-keys/{created["id"]}"), HttpStatusCode.OK);
        Assert.Equal(NodaTime.Text.InstantPattern.ExtendedIso.Format(fixture.Clock.GetCurrentInstant()), (string?)read["revokedAt"]);
    }

    [Fact]
    public async Task CreateKey_WithAnUnknownRole_Is400NamingTheField()
    {
        var response = await _api.Admin.PostAsJsonAsync("/api/api-keys", new { name = "ops", role = "superuser" });

        var problem = await AdminApi.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("admin, finance, technician", AdminApi.Errors(problem, "role"));
    }

    [Fact]
    public async Task TwilioWebhooks_AreNotAskedForAnApiKey()
    {
        using var client = _api.Client(null);
        var webhooks = new TwilioWebhooks(client);

        var response = await webhooks.PostAsync("/twilio/voice", TwilioWebhooks.IncomingCall(TwilioWebhooks.NewCallSid()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
