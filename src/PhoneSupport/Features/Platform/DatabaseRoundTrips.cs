using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace PhoneSupport.Features.Platform;

/// <summary>
/// Diagnostics switch <c>PhoneSupport:Diagnostics:CountDatabaseRoundTrips</c> (off by default; the load harness
/// turns it on): every HTTP response carries <c>X-Db-Round-Trips</c>, the database round trips made while
/// answering it, and <c>X-Db-Connections</c>, the (pooled) connection opens. A round trip is one command sent
/// through EF Core (a query, a <c>SaveChanges</c> batch, raw SQL) or one <c>COMMIT</c>/<c>ROLLBACK</c>; Npgsql
/// sends <c>BEGIN</c> with the next command, so it costs none. The service's SQL goes through EF Core (the migration
/// runner at start-up aside), except the plain Npgsql commands and batches of the call path (the incoming webhook, the IVR
/// step's read and write, the status and leg statements, the incident close, <see cref="Statements"/>), each of which
/// counts its own round trip (<see cref="RoundTrip"/>), so nothing is missed.
/// </summary>
public sealed class DatabaseRoundTrips
{
    public const string Switch = "PhoneSupport:Diagnostics:CountDatabaseRoundTrips";
    public const string RoundTripsHeader = "X-Db-Round-Trips";
    public const string ConnectionsHeader = "X-Db-Connections";

    private static readonly AsyncLocal<Counter?> Current = new();

    /// <summary>The counts of the request being answered.</summary>
    public sealed class Counter
    {
        private int _roundTrips;
        private int _connections;

        public int RoundTrips => Volatile.Read(ref _roundTrips);
        public int Connections => Volatile.Read(ref _connections);

        internal void RoundTrip() => Interlocked.Increment(ref _roundTrips);
        internal void Connection() => Interlocked.Increment(ref _connections);
    }

    /// <summary>Starts counting for the current asynchronous flow (one HTTP request).</summary>
    public static Counter Begin() => Current.Value = new Counter();

    internal static void RoundTrip() => Current.Value?.RoundTrip();

    internal static void Connection() => Current.Value?.Connection();

    /// <summary>The EF Core interceptors that count (singletons: they keep no state of their own).</summary>
    public static IInterceptor[] Interceptors { get; } = [new Commands(), new Transactions(), new Connections()];

    /// <summary>Adds the headers to every response.</summary>
    public static WebApplication UseDatabaseRoundTripHeaders(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var counter = Begin();
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[RoundTripsHeader] = counter.RoundTrips.ToString(CultureInfo.InvariantCulture);
                context.Response.Headers[ConnectionsHeader] = counter.Connections.ToString(CultureInfo.InvariantCulture);
                return Task.CompletedTask;
            });
            await next(context);
        });
        return app;
    }

    private sealed class Commands : DbCommandInterceptor
    {
        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            RoundTrip();
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            RoundTrip();
            return base.ReaderExecuting(command, eventData, result);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            RoundTrip();
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
        {
            RoundTrip();
            return base.NonQueryExecuting(command, eventData, result);
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            RoundTrip();
            return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
        {
            RoundTrip();
            return base.ScalarExecuting(command, eventData, result);
        }
    }

    private sealed class Transactions : DbTransactionInterceptor
    {
        public override ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            RoundTrip();
            return base.TransactionCommittingAsync(transaction, eventData, result, cancellationToken);
        }

        public override InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
        {
            RoundTrip();
            return base.TransactionCommitting(transaction, eventData, result);
        }

        public override ValueTask<InterceptionResult> TransactionRollingBackAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            RoundTrip();
            return base.TransactionRollingBackAsync(transaction, eventData, result, cancellationToken);
        }

        public override InterceptionResult TransactionRollingBack(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
        {
            RoundTrip();
            return base.TransactionRollingBack(transaction, eventData, result);
        }
    }

    private sealed class Connections : DbConnectionInterceptor
    {
        public override ValueTask<InterceptionResult> ConnectionOpeningAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            Connection();
            return base.ConnectionOpeningAsync(connection, eventData, result, cancellationToken);
        }

        public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
        {
            Connection();
            return base.ConnectionOpening(connection, eventData, result);
        }
    }
}
