using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Npgsql;
using PhoneSupport.Data;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Hardening;

/// <summary>
/// Production's two database roles: the owner applies the migrations (the Job); the service runs as
/// <c>phonesupport_app</c>, which migration 0020 grants data access only. The service starts and works as that role once
/// everything is applied, and the role can change no schema.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class AppRoleTests(ServiceFixture fixture)
{
    [Fact]
    public async Task TheAppRole_ReadsAndWritesData_ButCannotChangeTheSchema_AndTheServiceStartsAsIt()
    {
        await ExecuteAsync(fixture.Server.AdminConnectionString, """
            do $$ begin
                if not exists (select 1 from pg_roles where rolname = 'phonesupport_app') then create role phonesupport_app login; end if;
            end $$
            """);
        var owner = await fixture.Server.CreateDatabaseAsync("phonesupport_app_role_" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Equal(MigrationRunner.Scripts.Count, (await MigrationRunner.ApplyAsync(owner)).Count);
        var app = new NpgsqlConnectionStringBuilder(owner) { Username = "phonesupport_app" }.ConnectionString;

        // Everything applied: the runner, as the app role, changes nothing and needs no CREATE.
        Assert.Empty(await MigrationRunner.ApplyAsync(app));
        foreach (var ddl in new[] { "create table intruder (id int)", "drop table api_keys", "alter table charges add column free boolean", "truncate rate_limit_counters",
                     "insert into schema_migrations (version) values ('9999_forged')", "delete from schema_migrations" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(app, ddl));
            Assert.True(refused.SqlState is PostgresErrorCodes.InsufficientPrivilege, $"{ddl}: {refused.SqlState} {refused.MessageText}");
        }

        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        await using var host = fixture.CreateFactory("Production", app, new Dictionary<string, string?> { ["PhoneSupport:BootstrapAdminApiKey"] = key });
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        var created = await client.PostAsJsonAsync("/api/technicians", new { name = "Role Test", phoneNumber = "+1703555" + Random.Shared.Next(1000, 9999), providers = new[] { "constellix" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var technician = (await created.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.ToString();
        var availability = await client.PutAsJsonAsync($"/api/technicians/{technician}/availability", new { status = "available" });
        Assert.Equal(HttpStatusCode.OK, availability.StatusCode);
        Assert.Equal(1L, await ScalarAsync(app, $"select count(*) from technician_events where technician_id = '{technician}' and kind = 'availability'"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
