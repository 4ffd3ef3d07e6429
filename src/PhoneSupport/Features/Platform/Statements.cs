using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Platform;

/// <summary>
/// Runs one of the plain Npgsql statements that are also part of the IVR step's write batch (decision 017) on its own: on the
/// context's connection, in its transaction if it has one, counting its round trip (<see cref="DatabaseRoundTrips"/>).
/// </summary>
public static class Statements
{
    /// <summary>The statement's first column of its first row (default when it returns none).</summary>
    public static async Task<T?> ScalarAsync<T>(this PhoneSupportDb db, NpgsqlBatchCommand statement, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(), db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction);
            batch.BatchCommands.Add(statement);
            DatabaseRoundTrips.RoundTrip();
            var value = await batch.ExecuteScalarAsync(ct);
            return value is null or DBNull ? default : (T)value;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Runs the statement; answers the rows it changed.</summary>
    public static async Task<int> ExecuteAsync(this PhoneSupportDb db, NpgsqlBatchCommand statement, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(), db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction);
            batch.BatchCommands.Add(statement);
            DatabaseRoundTrips.RoundTrip();
            return await batch.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>A statement with positional parameters (<c>$1</c>, <c>$2</c>, …).</summary>
    public static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    public static NpgsqlParameter Text(string? value) => new NpgsqlParameter<string?> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = value };

    public static NpgsqlParameter At(Instant value) => new NpgsqlParameter<Instant> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = value };

    public static NpgsqlParameter Int(int value) => new NpgsqlParameter<int> { TypedValue = value };

    public static NpgsqlParameter Long(long? value) => new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = value is { } v ? v : DBNull.Value };

    public static NpgsqlParameter Uuid(Guid? value) => new() { NpgsqlDbType = NpgsqlDbType.Uuid, Value = value is { } v ? v : DBNull.Value };

    public static NpgsqlParameter Bool(bool value) => new NpgsqlParameter<bool> { TypedValue = value };
}
