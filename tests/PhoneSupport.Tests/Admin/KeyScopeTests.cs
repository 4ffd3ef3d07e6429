using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using PhoneSupport.Features.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Admin;

/// <summary>A technician key is bound to one technician and acts on that technician only (issue 16).</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class KeyScopeTests(ServiceFixture fixture) : IAsyncLifetime
{
    private readonly AdminApi _api = new(fixture);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private async Task<string> TechnicianAsync() => (string)(await AdminApi.ExpectAsync(await _api.Admin.PostAsJsonAsync("/api/technicians", new
    {
        name = "Scoped Technician", phoneNumber = AdminApi.NewPhone(), providers = new[] { "constellix" },
    }), HttpStatusCode.Created))["id"]!;

    private static Task<HttpResponseMessage> SetAvailabilityAsync(HttpClient client, string technician, string status) =>
        client.PutAsJsonAsync($"/api/technicians/{technician}/availability", new { status });

    private Task<long?> EventsAsync(string technician) =>
        fixture.ScalarAsync<long?>("select count(*) from technician_events where technician_id = $1 and kind = 'availability'", Guid.Parse(technician));

    [Fact]
    public async Task CreatingAKey_ATechnicianKeyNeedsAnExistingTechnician_AndOnlyItTakesOne()
    {
        var technician = await TechnicianAsync();

        var missing = await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync("/api/api-keys", new { name = "unbound", role = "technician" }), HttpStatusCode.BadRequest);
        var unknown = await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync("/api/api-keys",
            new { name = "nobody", role = "technician", technicianId = Guid.NewGuid().ToString() }), HttpStatusCode.BadRequest);
        var finance = await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync("/api/api-keys",
            new { name = "finance bound", role = "finance", technicianId = technician }), HttpStatusCode.BadRequest);
        var (_, created) = await _api.CreateKeyAsync("technician", technician);
        var read = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/api-keys/{created["id"]}"), HttpStatusCode.OK);

        Assert.Contains("Required for a technician key", AdminApi.Errors(missing, "technicianId"));
        Assert.Contains("No technician", AdminApi.Errors(unknown, "technicianId"));
        Assert.Contains("takes no technicianId", AdminApi.Errors(finance, "technicianId"));
        Assert.Equal(technician, (string?)created["technicianId"]);
        Assert.Equal(technician, (string?)read["technicianId"]);
        Assert.Equal(Guid.Parse(technician), await fixture.ScalarAsync<Guid>("select technician_id from api_keys where id = $1", Guid.Parse((string)created["id"]!)));
        Assert.Equal(0L, await fixture.ScalarAsync<long>("select count(*) from api_keys where name in ('unbound', 'nobody', 'finance bound')"));
    }

    [Fact]
    public async Task ATechnicianKey_SetsItsOwnAvailability_ButAnotherTechniciansIs403_AndChangesNothing()
    {
        var mine = await TechnicianAsync();
        var other = await TechnicianAsync();
        var (key, _) = await _api.CreateKeyAsync("technician", mine);
        var self = _api.Client(key);

        var own = await SetAvailabilityAsync(self, mine, "available");
        var refused = await AdminApi.ProblemAsync(await SetAvailabilityAsync(self, other, "available"), HttpStatusCode.Forbidden);
        var byAdmin = await SetAvailabilityAsync(_api.Admin, other, "available");

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Contains("its own technician only", (string?)refused["detail"]);
        Assert.Equal(1L, await EventsAsync(mine));
        Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
        Assert.Equal(1L, await EventsAsync(other)); // the admin's change only
        Assert.Equal("admin", await fixture.ScalarAsync<string>(
            "select data->'by'->>'role' from technician_events where technician_id = $1 and kind = 'availability'", Guid.Parse(other)));
    }

    [Fact]
    public async Task ATechnicianKeyMadeBeforeKeysWereBound_ActsOnNoTechnician()
    {
        var technician = await TechnicianAsync();
        var (legacy, secret) = ApiKey.Create("legacy technician", "technician", fixture.Clock.GetCurrentInstant());
        await fixture.ScalarAsync<int?>("insert into api_keys (id, name, role, key_hash, prefix, created_at) values ($1, $2, 'technician', $3, $4, now())",
            legacy.Id, legacy.Name, legacy.KeyHash, legacy.Prefix);
        var client = _api.Client(secret);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/technicians?limit=1")).StatusCode); // still reads
        await AdminApi.ProblemAsync(await SetAvailabilityAsync(client, technician, "available"), HttpStatusCode.Forbidden);
        Assert.Equal(0L, await EventsAsync(technician));
    }

    [Fact]
    public async Task TheConsole_CreatesATechnicianKey_OnlyWithItsTechnician()
    {
        var technician = await TechnicianAsync();
        var (user, password) = await Console.ConsoleClient.CreateUserAsync(fixture, Features.Console.StaffRoles.Admin);
        using var client = Console.ConsoleClient.Create(fixture.Factory);
        await Console.ConsoleClient.SignInAsync(client, user, password);
        var name = "console technician key " + Guid.NewGuid().ToString("N")[..8];

        var missing = await Console.ConsoleClient.PostFormAsync(client, "/console/admin/api-keys", new() { ["Input.Name"] = name, ["Input.Role"] = "technician" });
        var created = await Console.ConsoleClient.PostFormAsync(client, "/console/admin/api-keys",
            new() { ["Input.Name"] = name, ["Input.Role"] = "technician", ["Input.TechnicianId"] = technician });

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("Required for a technician key", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(Guid.Parse(technician), await fixture.ScalarAsync<Guid>("select technician_id from api_keys where name = $1", name));
    }
}
