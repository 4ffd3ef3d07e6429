using System.Diagnostics;
using Npgsql;

namespace PhoneSupport.Load;

/// <summary>
/// Set-based test data (<c>INSERT … SELECT generate_series</c>): Constellix Corporate accounts with one contract
/// each (contract numbers <c>50000001…</c>), technicians, and a history of ended calls with closed incidents
/// (spread over the accounts) so the tables have the size of a long-running service.
/// </summary>
public static class DataSet
{
    public const int FirstContract = 50000001;

    public static string ContractNumber(int i) => (FirstContract + i).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static async Task SeedAccountsAsync(string connection, int accounts, TextWriter log)
    {
        var watch = Stopwatch.StartNew();
        await ExecAsync(connection, """
            insert into accounts (id, provider, name, membership, account_number, stripe_customer_id, created_at)
            select md5('account' || i)::uuid, 'constellix', 'Load Corp ' || i, 'Corporate', (10000000 + i)::text, 'cus_load' || i, now()
              from generate_series(0, $1 - 1) i
            """, accounts);
        await ExecAsync(connection, """
            insert into contracts (id, account_id, contract_number, starts_on, ends_on, created_at)
            select md5('contract' || i)::uuid, md5('account' || i)::uuid, (50000001 + i)::text, date '2026-01-01', date '2026-12-31', now()
              from generate_series(0, $1 - 1) i
            """, accounts);
        log.WriteLine($"  seeded {accounts:N0} accounts with contracts in {watch.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Ended calls with a closed incident each, in chunks (a progress line per chunk).</summary>
    public static async Task SeedIncidentsAsync(string connection, int accounts, int incidents, TextWriter log)
    {
        var watch = Stopwatch.StartNew();
        const int chunk = 1_000_000;
        for (var from = 0; from < incidents; from += chunk)
        {
            var to = Math.Min(incidents, from + chunk);
            await ExecAsync(connection, """
                insert into calls (call_sid, provider, flow_id, from_number, to_number, step, attempt, language, sequence, vars, phase,
                                   twilio_status, account_id, started_at, updated_at, ended_at, duration_seconds, version, caller_hung_up, reported_at)
                select 'CAhistory' || lpad(i::text, 24, '0'), 'constellix', 'constellix', '+15550000000', '+17038803095', 'contract-route', 0,
                       'en-US', 4, '{}', 'Ended', 'completed', md5('account' || (i % $3))::uuid,
                       timestamptz '2025-01-01' + i * interval '3 seconds', timestamptz '2025-01-01' + i * interval '3 seconds',
                       timestamptz '2025-01-01' + i * interval '3 seconds' + interval '10 minutes', 600, 1, false,
                       timestamptz '2025-01-01' + i * interval '3 seconds' + interval '10 minutes'
                  from generate_series($1, $2 - 1) i
                """, from, to, accounts);
            await ExecAsync(connection, """
                insert into incidents (id, provider, account_id, contract_id, call_sid, decision, "window", policy_version, opened_at, closed_at, talk_seconds, status, version)
                select md5('incident' || i)::uuid, 'constellix', md5('account' || (i % $3))::uuid, md5('contract' || (i % $3))::uuid,
                       'CAhistory' || lpad(i::text, 24, '0'), 'included', 'business', 'load',
                       timestamptz '2025-01-01' + i * interval '3 seconds', timestamptz '2025-01-01' + i * interval '3 seconds' + interval '10 minutes',
                       540, 'closed', 1
                  from generate_series($1, $2 - 1) i
                """, from, to, accounts);
            log.WriteLine($"  seeded {to:N0} of {incidents:N0} past calls with incidents ({watch.Elapsed.TotalSeconds:0} s)");
        }
        await ExecAsync(connection, "vacuum analyze");
    }

    /// <summary>Available Constellix technicians, idle since an hour before <paramref name="at"/> (the service's clock).</summary>
    public static async Task SeedTechniciansAsync(string connection, int technicians, DateTimeOffset at)
    {
        await ExecAsync(connection, """
            insert into technicians (id, name, phone_number, providers, skills, status, status_since, created_at, version)
            select md5('technician' || i)::uuid, 'Load Tech ' || i, '+1444' || lpad(i::text, 7, '0'), '{constellix}', '{}', 'available',
                   $2::timestamptz - interval '1 hour' + i * interval '1 millisecond', $2::timestamptz - interval '2 hours', 0
              from generate_series(0, $1 - 1) i
            """, technicians, at);
    }

    /// <summary>
    /// The harness's own connections are not pooled: a pooled connection would be stale after the PostgreSQL restart
    /// fault, and the harness must read the invariants back whatever happened.
    /// </summary>
    public static NpgsqlConnection Connection(string connection) =>
        new(new NpgsqlConnectionStringBuilder(connection) { Pooling = false }.ConnectionString);

    public static async Task ExecAsync(string connection, string sql, params object[] parameters)
    {
        await using var c = Connection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c) { CommandTimeout = 0 };
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<long> ScalarAsync(string connection, string sql, params object[] parameters)
    {
        await using var c = Connection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c) { CommandTimeout = 0 };
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }
}
