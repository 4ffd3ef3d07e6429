using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
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
}
