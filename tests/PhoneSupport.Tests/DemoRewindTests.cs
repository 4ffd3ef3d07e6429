using NodaTime;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>
/// The demo restarted at an earlier instant (the run command loads the demo data at every start): technicians stamped in the
/// "future" are not held in wrap-up or reservations, and the next caller is routed to one of them.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class DemoRewindTests(ServiceFixture fixture)
{
    private async Task<T?> ScalarAsync<T>(string connection, string sql, params object[] parameters)
    {
        await using var db = new Npgsql.NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, db);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    [Fact]
    public async Task DemoDataLoad_AfterTheClockMovedBack_FreesTechniciansStampedLater_AndLeavesCurrentStateAlone()
    {
        var connection = await fixture.Server.CreateDatabaseAsync("rewind_" + Guid.NewGuid().ToString("N")[..8]);
        await using var factory = fixture.CreateFactory("Development", connection);
        using var client = factory.CreateClient();
        (await client.PostAsync("/dev/demo-data", null)).EnsureSuccessStatusCode();
        var now = fixture.Clock.GetCurrentInstant();
        // Last run's clock was a day ahead: Dana wraps up "since tomorrow", Sam is reserved until the day after; Lena wraps up now.
        await ScalarAsync<int>(connection, "update technicians set status = 'wrapUp', status_since = $1 where phone_number = '+15550200001'", (now + Duration.FromDays(1)).ToDateTimeUtc());
        await ScalarAsync<int>(connection, "update technicians set status = 'reserved', status_since = $1, reserved_call_sid = 'CAfuture', reserved_until = $2 where phone_number = '+15550200002'",
            (now + Duration.FromDays(1)).ToDateTimeUtc(), (now + Duration.FromDays(2)).ToDateTimeUtc());
        await ScalarAsync<int>(connection, "update technicians set status = 'wrapUp', status_since = $1 where phone_number = '+41445550201'", (now - Duration.FromSeconds(5)).ToDateTimeUtc());

        var answer = await (await client.PostAsync("/dev/demo-data", null)).Content.ReadAsStringAsync();

        Assert.Contains("\"released\":{\"technicians\":2", answer, StringComparison.Ordinal);
        foreach (var phone in new[] { "+15550200001", "+15550200002" })
        {
            Assert.Equal("available", await ScalarAsync<string>(connection, "select status from technicians where phone_number = $1", phone));
            Assert.Equal(now.ToDateTimeUtc(), await ScalarAsync<DateTime>(connection, "select status_since from technicians where phone_number = $1", phone));
            Assert.Null(await ScalarAsync<string>(connection, "select reserved_call_sid from technicians where phone_number = $1", phone));
            Assert.Equal(1L, await ScalarAsync<long>(connection,
                "select count(*) from technician_events e join technicians t on t.id = e.technician_id where t.phone_number = $1 and e.kind = 'clockMovedBack'", phone));
        }
        Assert.Equal("wrapUp", await ScalarAsync<string>(connection, "select status from technicians where phone_number = '+41445550201'"));
    }
}
