using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Observability;

/// <summary>
/// The gauges' values, read from PostgreSQL by one cheap pass every <see cref="TelemetryOptions.GaugeInterval"/>
/// (not a query per scrape: many scrapers and many instances must not multiply the load on the primary).
/// </summary>
public sealed class TelemetrySnapshot(IClock clock)
{
    private volatile Values _values = new(new Dictionary<string, long>(), 0, 0, null);

    public IEnumerable<Measurement<long>> QueueLength() =>
        _values.Queue.Select(q => new Measurement<long>(q.Value, new KeyValuePair<string, object?>("provider", q.Key)));

    public long CallbacksAtRisk => _values.AtRisk;

    public double PostingLagSeconds => _values.PostingLag;

    public double Age() => _values.ReadAt is { } at ? (clock.GetCurrentInstant() - at).TotalSeconds : -1;

    internal void Set(IReadOnlyDictionary<string, long> queue, long atRisk, double postingLag, Instant readAt) =>
        _values = new Values(queue, atRisk, postingLag, readAt);

    private sealed record Values(IReadOnlyDictionary<string, long> Queue, long AtRisk, double PostingLag, Instant? ReadAt);
}

/// <summary>One read of the gauge values: two short aggregate statements (the outbox one only when the table exists).</summary>
public sealed class TelemetryGaugeReader(PhoneSupportDb db, TelemetrySnapshot snapshot, IClock clock)
{
    public async Task RefreshAsync(CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var queue = new Dictionary<string, long>(StringComparer.Ordinal);
            long atRisk = 0;
            Instant? oldestPending = null;
            await using (var command = new NpgsqlCommand("""
                select provider, count(*) from queue_entries where status = 'waiting' group by provider;
                select count(*) from callbacks where at_risk and status in ('scheduled', 'dialing');
                select to_regclass('billing_outbox') is not null;
                """, connection))
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct)) queue[reader.GetString(0)] = reader.GetInt64(1);
                await reader.NextResultAsync(ct);
                if (await reader.ReadAsync(ct)) atRisk = reader.GetInt64(0);
                await reader.NextResultAsync(ct);
                var hasOutbox = await reader.ReadAsync(ct) && reader.GetBoolean(0);
                await reader.CloseAsync();
                if (hasOutbox)
                {
                    // The billing outbox arrives with migration 0006: until then the lag gauge reads 0.
                    await using var oldest = new NpgsqlCommand("select min(created_at) from billing_outbox where status = 'pending'", connection);
                    if (await oldest.ExecuteScalarAsync(ct) is Instant created) oldestPending = created;
                }
            }
            var now = clock.GetCurrentInstant();
            var lag = oldestPending is { } o && now > o ? (now - o).TotalSeconds : 0;
            snapshot.Set(queue, atRisk, lag, now);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}

/// <summary>Refreshes <see cref="TelemetrySnapshot"/> every <see cref="TelemetryOptions.GaugeInterval"/>.</summary>
public sealed class TelemetryGaugeService(IServiceScopeFactory scopes, TimeProvider time, IOptions<TelemetryOptions> options, ILogger<TelemetryGaugeService> logger)
    : PollingService<TelemetryGaugeReader>(scopes, time, logger)
{
    protected override bool Enabled => options.Value.GaugeInterval > TimeSpan.Zero;

    protected override TimeSpan Interval => options.Value.GaugeInterval;

    protected override Task PassAsync(TelemetryGaugeReader worker, CancellationToken ct) => worker.RefreshAsync(ct);
}
