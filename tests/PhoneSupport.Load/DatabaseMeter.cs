using System.Globalization;

namespace PhoneSupport.Load;

/// <summary>
/// What a run cost PostgreSQL, per call, for the capacity note: commits (every autocommit statement counts, reads too),
/// rows inserted/updated/deleted (<c>pg_stat_database</c> of the service's database) and WAL bytes (the cluster's WAL
/// position, exact; nothing else writes while it runs). PostgreSQL 15 flushes a backend's statistics at most once a second
/// while busy and 10 s after it goes idle, so the meter waits that long before each reading.
/// </summary>
public sealed record DatabaseCounters(long Commits, long Rollbacks, long Inserted, long Updated, long Deleted, long WalBytes)
{
    public static readonly TimeSpan StatisticsFlush = TimeSpan.FromSeconds(11);

    public static async Task<DatabaseCounters> ReadAsync(string connection)
    {
        await Task.Delay(StatisticsFlush);
        await using var c = DataSet.Connection(connection);
        await c.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("""
            select xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint
              from pg_stat_database where datname = current_database()
            """, c);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new DatabaseCounters(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
    }

    /// <summary>The difference per call, as one line.</summary>
    public static string PerCall(DatabaseCounters before, DatabaseCounters after, long calls)
    {
        double Per(long a, long b) => calls == 0 ? 0 : (b - a) / (double)calls;
        return string.Create(CultureInfo.InvariantCulture,
            $"database per contract call ({calls} calls): {Per(before.Commits, after.Commits):0.0} commits (reads included), {Per(before.Rollbacks, after.Rollbacks):0.0} rollbacks, " +
            $"rows {Per(before.Inserted, after.Inserted):0.0} inserted / {Per(before.Updated, after.Updated):0.0} updated / {Per(before.Deleted, after.Deleted):0.0} deleted, " +
            $"WAL {Per(before.WalBytes, after.WalBytes) / 1024:0.0} kB");
    }
}

/// <summary>A metered run of contract calls, from idle to idle: the per-call figures the goals are checked against.</summary>
public sealed record DatabaseCost(long Calls, DatabaseCounters Before, DatabaseCounters After)
{
    /// <summary>PostgreSQL transactions per call: commits (autocommit reads included) and rollbacks.</summary>
    public double TransactionsPerCall => Per(Before.Commits + Before.Rollbacks, After.Commits + After.Rollbacks);

    public double WalBytesPerCall => Per(Before.WalBytes, After.WalBytes);

    public static async Task<DatabaseCost> MeterAsync(string connection, Func<Task<long>> calls)
    {
        var before = await DatabaseCounters.ReadAsync(connection);
        var made = await calls();
        return new DatabaseCost(made, before, await DatabaseCounters.ReadAsync(connection));
    }

    private double Per(long before, long after) => Calls == 0 ? double.NaN : (after - before) / (double)Calls;

    public override string ToString() => DatabaseCounters.PerCall(Before, After, Calls);
}
