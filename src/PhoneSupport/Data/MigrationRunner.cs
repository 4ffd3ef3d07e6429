using System.Reflection;
using Npgsql;

namespace PhoneSupport.Data;

/// <summary>
/// Applies the ordered SQL files in <c>Data/Migrations</c> (embedded in the assembly) at start-up.
/// <c>dotnet ef migrations</c> cannot run on these machines (docs/decisions/003), so the schema is plain SQL.
/// A session-level advisory lock serialises instances starting together; each file runs in its own
/// transaction with its row in <c>schema_migrations</c>, so a crash never leaves half a migration recorded.
/// </summary>
public static class MigrationRunner
{
    /// <summary>An arbitrary constant: the advisory lock key every instance agrees on.</summary>
    private const long LockKey = 0x50686f6e6553;

    public static IReadOnlyList<(string Version, string Sql)> Scripts { get; } = LoadScripts();

    public static async Task<IReadOnlyList<string>> ApplyAsync(string connectionString, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await Execute(connection, null, $"select pg_advisory_lock({LockKey})", ct);
        try
        {
            // Nothing pending: no DDL at all, so the least-privilege application role (no CREATE) starts once the
            // migration Job, connected as the owner, has applied everything.
            var applied = await AppliedAsync(connection, ct);
            if (Scripts.All(s => applied.Contains(s.Version))) return [];
            await Execute(connection, null,
                "create table if not exists schema_migrations (version text primary key, applied_at timestamptz not null default now())", ct);
            var done = new List<string>();
            foreach (var (version, sql) in Scripts.Where(s => !applied.Contains(s.Version)))
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                await Execute(connection, tx, sql, ct);
                await using (var record = new NpgsqlCommand("insert into schema_migrations (version) values ($1)", connection, tx))
                {
                    record.Parameters.AddWithValue(version);
                    await record.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
                done.Add(version);
            }
            return done;
        }
        finally
        {
            await Execute(connection, null, $"select pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
    }

    /// <summary>The versions not yet applied (empty when the schema is current).</summary>
    public static async Task<IReadOnlyList<string>> PendingAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var applied = await AppliedAsync(connection, ct);
        return [.. Scripts.Select(s => s.Version).Where(v => !applied.Contains(v))];
    }

    private static async Task<HashSet<string>> AppliedAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var exists = new NpgsqlCommand("select to_regclass('schema_migrations') is not null", connection);
        if (!(bool)(await exists.ExecuteScalarAsync(ct))!) return [];
        await using var command = new NpgsqlCommand("select version from schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var versions = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct)) versions.Add(reader.GetString(0));
        return versions;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static List<(string, string)> LoadScripts()
    {
        var assembly = typeof(MigrationRunner).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => (Path.GetFileNameWithoutExtension(n), Read(assembly, n)))];
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
