using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using PhoneSupport.Data;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Voice;

/// <summary>
/// Records a new call in one SQL statement, one round trip: the caller's rate-limit hit (when a limit applies), the
/// <c>calls</c> row and its first <c>call_events</c>, as data-modifying CTEs. Over the limit, nothing but the counter
/// is written. A call already recorded (Twilio's retry, or another instance won the race) is left as it is
/// (<c>on conflict do nothing</c>) and reported as a duplicate, instead of failing on the primary key.
/// The incoming-call webhook is the one a call storm multiplies; the later webhooks of a call write through the step's batch
/// (<see cref="CallStepWriter"/>) and the status statement, the rest of the service through EF Core's unit of work.
/// The column lists follow <see cref="CallRecordConfiguration"/> and <see cref="CallEventRecordConfiguration"/>; the
/// integration tests read every column back through EF Core.
/// </summary>
public sealed class CallStartWriter(PhoneSupportDb db)
{
    /// <summary>The call's row, <c>$1</c>–<c>$17</c> as <see cref="CallParameters"/> gives them (also the IVR step's write batch for a new call).</summary>
    internal const string Call = """
        insert into calls (call_sid, provider, flow_id, from_number, to_number, step, attempt, language, sequence, vars, phase,
                           twilio_status, account_id, started_at, updated_at, ended_at, duration_seconds, version, entitlement)
        select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15, null, null, $16, $17::jsonb
        """;

    private const string Events = """
        events as (
            insert into call_events (call_sid, at, kind, data, dedupe_key)
            select call.call_sid, $18, e.kind, e.data::jsonb, e.dedupe_key
              from call, unnest($19::text[], $20::text[], $21::text[]) with ordinality as e(kind, data, dedupe_key, n)
             order by e.n
            returning 1)
        """;

    private const string Unlimited = $"""
        with call as (
        {Call}
            on conflict (call_sid) do nothing
            returning call_sid),
        {Events}
        select null::integer, (select count(*) from call)::integer
        """;

    private const string Limited = $"""
        with hit as (
            insert into rate_limit_counters as c (scope, key, window_start, hits) values ($22, $23, $24, 1)
            on conflict (scope, key, window_start) do update set hits = c.hits + 1
            returning c.hits),
        call as (
        {Call}
             where (select hits from hit) <= $25
            on conflict (call_sid) do nothing
            returning call_sid),
        {Events}
        select (select hits from hit), (select count(*) from call)::integer
        """;

    /// <summary>
    /// Sent as a plain Npgsql command on the context's connection (Npgsql prepares it after a few uses): EF Core's raw-SQL
    /// queries serialise on a lock per query shape and build their parameters anew each time, which showed as the largest
    /// service-side cost of this webhook under load. It counts its own round trip for <see cref="DatabaseRoundTrips"/>.
    /// </summary>
    public async Task<CallStart> InsertAsync(CallRecord call, IReadOnlyList<CallEventRecord> events, PendingRateLimitHit? limit, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = new NpgsqlCommand(limit is null ? Unlimited : Limited, connection);
            var p = command.Parameters;
            p.AddRange(CallParameters(call));
            p.Add(new NpgsqlParameter<DateTime> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = (events.Count > 0 ? events[0].At : call.StartedAt).ToDateTimeUtc() });
            p.Add(Texts(events.Select(e => (string?)e.Kind)));
            p.Add(Texts(events.Select(e => (string?)e.Data)));
            p.Add(Texts(events.Select(e => e.DedupeKey)));
            if (limit is not null)
            {
                p.Add(Text(limit.Scope));
                p.Add(Text(limit.Key));
                p.Add(new NpgsqlParameter<DateTime> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = limit.WindowStart.UtcDateTime });
                p.Add(new NpgsqlParameter<int> { TypedValue = limit.Limit });
            }
            DatabaseRoundTrips.RoundTrip();
            int? hits;
            int inserted;
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                await reader.ReadAsync(ct);
                (hits, inserted) = (reader.IsDBNull(0) ? null : reader.GetInt32(0), reader.GetInt32(1));
            }
            if (limit is not null && hits is { } count && !limit.Decide(count).Allowed) return CallStart.Limited;
            return inserted == 1 ? CallStart.Recorded : CallStart.Duplicate;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary><see cref="Call"/>'s parameters, in order.</summary>
    internal static NpgsqlParameter[] CallParameters(CallRecord call) =>
    [
        Text(call.CallSid), Text(call.Provider), Text(call.FlowId), Text(call.FromNumber), Text(call.ToNumber), Text(call.Step),
        new NpgsqlParameter<int> { TypedValue = call.Attempt }, Text(call.Language), new NpgsqlParameter<int> { TypedValue = call.Sequence },
        Text(call.Vars), Text(call.Phase.ToString()), Text(call.TwilioStatus),
        new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = call.AccountId is { } account ? account : DBNull.Value },
        new NpgsqlParameter<DateTime> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = call.StartedAt.ToDateTimeUtc() },
        new NpgsqlParameter<DateTime> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = call.UpdatedAt.ToDateTimeUtc() },
        new NpgsqlParameter<int> { TypedValue = call.Version }, Text(call.Entitlement),
    ];

    private static NpgsqlParameter<string?> Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = value };

    private static NpgsqlParameter<string?[]> Texts(IEnumerable<string?> values) => new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = [.. values] };
}

/// <summary>What recording a new call came to.</summary>
public enum CallStart
{
    /// <summary>The call and its first events are stored.</summary>
    Recorded,

    /// <summary>The call was stored already (a retried webhook, or another instance): nothing written.</summary>
    Duplicate,

    /// <summary>The caller is over the per-minute limit: only the counter moved.</summary>
    Limited,
}
