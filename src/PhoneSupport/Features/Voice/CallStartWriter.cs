using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Features.Hardening;

namespace PhoneSupport.Features.Voice;

/// <summary>
/// Records a new call in one SQL statement, one round trip: the caller's rate-limit hit (when a limit applies), the
/// <c>calls</c> row and its first <c>call_events</c>, as data-modifying CTEs. Over the limit, nothing but the counter
/// is written. A call already recorded (Twilio's retry, or another instance won the race) is left as it is
/// (<c>on conflict do nothing</c>) and reported as a duplicate, instead of failing on the primary key.
/// The incoming-call webhook is the one a call storm multiplies; every other write goes through EF Core's unit of work.
/// The column lists follow <see cref="CallRecordConfiguration"/> and <see cref="CallEventRecordConfiguration"/>; the
/// integration tests read every column back through EF Core.
/// </summary>
public sealed class CallStartWriter(PhoneSupportDb db)
{
    public async Task<CallStart> InsertAsync(CallRecord call, IReadOnlyList<CallEventRecord> events, PendingRateLimitHit? limit, CancellationToken ct)
    {
        var (kinds, data, dedupe) = (events.Select(e => e.Kind).ToArray(), events.Select(e => e.Data).ToArray(), events.Select(e => e.DedupeKey).ToArray());
        var (at, started, updated) = (events.Count > 0 ? events[0].At.ToDateTimeUtc() : call.StartedAt.ToDateTimeUtc(), call.StartedAt.ToDateTimeUtc(), call.UpdatedAt.ToDateTimeUtc());
        var rows = limit is null
            ? await db.Database.SqlQuery<CallStartRow>($"""
                with call as (
                    insert into calls (call_sid, provider, flow_id, from_number, to_number, step, attempt, language, sequence, vars, phase,
                                       twilio_status, account_id, started_at, updated_at, ended_at, duration_seconds, version, entitlement)
                    values ({call.CallSid}, {call.Provider}, {call.FlowId}, {call.FromNumber}, {call.ToNumber}, {call.Step}, {call.Attempt},
                            {call.Language}, {call.Sequence}, {call.Vars}::jsonb, {call.Phase}, {call.TwilioStatus}::text, {call.AccountId}::uuid,
                            {started}, {updated}, null, null, {call.Version}, {call.Entitlement}::jsonb)
                    on conflict (call_sid) do nothing
                    returning call_sid),
                events as (
                    insert into call_events (call_sid, at, kind, data, dedupe_key)
                    select call.call_sid, {at}, e.kind, e.data::jsonb, e.dedupe_key
                      from call, unnest({kinds}::text[], {data}::text[], {dedupe}::text[]) with ordinality as e(kind, data, dedupe_key, n)
                     order by e.n
                    returning 1)
                select null::integer as "Hits", (select count(*) from call)::integer as "Inserted", (select count(*) from events)::integer as "Events"
                """).ToListAsync(ct)
            : await db.Database.SqlQuery<CallStartRow>($"""
                with hit as (
                    insert into rate_limit_counters as c (scope, key, window_start, hits) values ({limit.Scope}, {limit.Key}, {limit.WindowStart.UtcDateTime}, 1)
                    on conflict (scope, key, window_start) do update set hits = c.hits + 1
                    returning c.hits),
                call as (
                    insert into calls (call_sid, provider, flow_id, from_number, to_number, step, attempt, language, sequence, vars, phase,
                                       twilio_status, account_id, started_at, updated_at, ended_at, duration_seconds, version, entitlement)
                    select {call.CallSid}, {call.Provider}, {call.FlowId}, {call.FromNumber}, {call.ToNumber}, {call.Step}, {call.Attempt},
                           {call.Language}, {call.Sequence}, {call.Vars}::jsonb, {call.Phase}, {call.TwilioStatus}::text, {call.AccountId}::uuid,
                           {started}, {updated}, null, null, {call.Version}, {call.Entitlement}::jsonb
                     where (select hits from hit) <= {limit.Limit}
                    on conflict (call_sid) do nothing
                    returning call_sid),
                events as (
                    insert into call_events (call_sid, at, kind, data, dedupe_key)
                    select call.call_sid, {at}, e.kind, e.data::jsonb, e.dedupe_key
                      from call, unnest({kinds}::text[], {data}::text[], {dedupe}::text[]) with ordinality as e(kind, data, dedupe_key, n)
                     order by e.n
                    returning 1)
                select (select hits from hit) as "Hits", (select count(*) from call)::integer as "Inserted", (select count(*) from events)::integer as "Events"
                """).ToListAsync(ct);
        var row = rows.Single();
        if (limit is not null && row.Hits is { } hits && !limit.Decide(hits).Allowed) return CallStart.Limited;
        return row.Inserted == 1 ? CallStart.Recorded : CallStart.Duplicate;
    }

    /// <summary>The statement's one row.</summary>
    public sealed class CallStartRow
    {
        public int? Hits { get; set; }

        public int Inserted { get; set; }

        public int Events { get; set; }
    }
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
