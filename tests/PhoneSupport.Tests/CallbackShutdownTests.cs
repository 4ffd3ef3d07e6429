using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Features.Callbacks;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>A stopping instance gives back the callback leases it holds, after its last dispatcher pass.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class CallbackShutdownTests(ServiceFixture fixture)
{
    [Fact]
    public async Task GracefulShutdown_ReleasesTheLeasesOfDialledCallbacks_AndLeavesTheRestAlone()
    {
        // A database of its own: the dispatcher this host runs must see only these callbacks.
        var connection = await fixture.Server.CreateDatabaseAsync("phonesupport_shutdown");
        var clock = new TestSupport.Time.ManualTimeProvider(Instant.FromUtc(2026, 7, 8, 15, 0), timersInRealTime: true);
        var host = fixture.CreateFactory("Production", connection, new Dictionary<string, string?>
        {
            ["PhoneSupport:Callbacks:DispatcherEnabled"] = "true",
            ["PhoneSupport:Callbacks:PollInterval"] = "01:00:00",
            ["PhoneSupport:Callbacks:EscalationPhoneNumber"] = null,
        }, clock);
        using (var client = host.CreateClient()) (await client.GetAsync("/readyz")).EnsureSuccessStatusCode();
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        var leaseUntil = now.AddMinutes(3);
        async Task<Guid> CallbackAsync(string owner, string? twilioCallSid)
        {
            var id = Guid.NewGuid();
            await using var c = new Npgsql.NpgsqlConnection(connection);
            await c.OpenAsync();
            await using var insert = new Npgsql.NpgsqlCommand("""
                insert into callbacks (id, provider, account_id, call_sid, phone_number, reason, priority, due_at, not_before, coverage_only, status,
                                       attempts, next_attempt_at, lease_owner, lease_until, at_risk, twilio_call_sid, created_at, updated_at, version)
                values ($1, 'constellix', null, $2, '+15550109999', 'callback', 1, $3 + interval '2 hours', $3, false, 'dialing',
                        1, $3, $4, $5, false, $6, $3, $3, 1)
                """, c);
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue("CA" + Guid.NewGuid().ToString("N"));
            insert.Parameters.AddWithValue(now);
            insert.Parameters.AddWithValue(owner);
            insert.Parameters.AddWithValue(leaseUntil);
            insert.Parameters.AddWithValue((object?)twilioCallSid ?? DBNull.Value);
            await insert.ExecuteNonQueryAsync();
            return id;
        }
        var dialled = await CallbackAsync(CallbackDispatcher.Instance, "CA" + Guid.NewGuid().ToString("N"));
        var undialled = await CallbackAsync(CallbackDispatcher.Instance, null);
        var others = await CallbackAsync("another-instance", "CA" + Guid.NewGuid().ToString("N"));

        await host.DisposeAsync();

        async Task<(string Status, DateTime? LeaseUntil)> StateAsync(Guid id)
        {
            await using var c = new Npgsql.NpgsqlConnection(connection);
            await c.OpenAsync();
            await using var select = new Npgsql.NpgsqlCommand("select status, lease_until from callbacks where id = $1", c);
            select.Parameters.AddWithValue(id);
            await using var reader = await select.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetDateTime(1));
        }
        // Released: another instance takes it over at its next pass (after checking the leg at Twilio).
        Assert.Equal(("dialing", now), await StateAsync(dialled));
        // Not dialled as far as we know (a cut pass): left to run out, never re-dialled blind.
        Assert.Equal(("dialing", leaseUntil), await StateAsync(undialled));
        // Another instance's lease is not ours to release.
        Assert.Equal(("dialing", leaseUntil), await StateAsync(others));
        await fixture.Server.DropDatabaseAsync("phonesupport_shutdown");
    }
}
