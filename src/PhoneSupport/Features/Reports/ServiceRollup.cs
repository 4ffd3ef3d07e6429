using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using Npgsql;
using PhoneSupport.Features.Platform;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Domain.Reports;

using static PhoneSupport.Features.Platform.Statements;

namespace PhoneSupport.Features.Reports;

/// <summary>
/// Adds an ended call to <c>service_rollups</c> (migration 0023): one statement that marks the call reported and adds it to
/// its day's row, so it counts exactly once whatever repeats, races or instances. Run by the call's final status (the only
/// addition to a webhook: one statement, one round trip, after the status is saved) and by <see cref="ServiceRollupSweep"/>
/// for calls whose final status crashed before it and for calls ended before the migration. The figures it stores are
/// defined in docs/reports.md; the speed-of-answer buckets come from <see cref="SpeedOfAnswer.Edges"/>.
/// </summary>
public sealed class ServiceRollup(PhoneSupportDb db, PolicyCatalog policies, IOptions<ReportOptions> options, IOptions<Routing.RoutingOptions> routing, IClock clock)
{
    private static readonly int[] Edges = [.. SpeedOfAnswer.Edges];

    /// <summary>Rolls up one ended call (nothing when it is not ended or was rolled up already). Returns whether it was added.</summary>
    public async Task<bool> AddAsync(string callSid, string provider, CancellationToken ct) =>
        await db.ExecuteAsync(AddCommand(callSid, provider, clock.GetCurrentInstant()), ct) > 0;

    /// <summary>
    /// <see cref="AddAsync"/> as one statement, for the batch of the status callback that ended the call (last before its commit:
    /// every call of a day, plan and severity adds to the same row, whose lock is held until then).
    /// </summary>
    public NpgsqlBatchCommand AddCommand(string callSid, string provider, Instant now) => Command("""
            with c as (
                update calls set reported_at = $2
                 where call_sid = $1 and ended_at is not null and reported_at is null
                returning call_sid, provider, started_at, vars, coalesce(caller_hung_up, false) as hung_up, twilio_status
            ), e as (
                select min(at) filter (where kind in ('routing', 'queued')) as offered_at,
                       coalesce(bool_or(kind = 'queued'), false) as queued,
                       coalesce(bool_or(kind in ('callbackScheduled', 'messageStored')), false) as flowed_out,
                       coalesce(bool_or(kind = 'queueLeft' and data ->> 'result' = 'hangup'), false) as hung_up_in_queue,
                       coalesce(bool_or(kind = 'connected'), false) as connected,
                       min(at - make_interval(secs => case when data ->> 'seconds' ~ '^[0-9]+$' and length(data ->> 'seconds') <= 9 then (data ->> 'seconds')::int else 0 end))
                           filter (where kind = 'connected') as bridged_at,
                       coalesce(sum(case when data ->> 'seconds' ~ '^[0-9]+$' and length(data ->> 'seconds') <= 9 then (data ->> 'seconds')::bigint else 0 end)
                           filter (where kind = 'connected'), 0) as talk
                  from call_events
                 where call_sid = $1 and kind in ('routing', 'queued', 'callbackScheduled', 'messageStored', 'queueLeft', 'connected')
            ), a as (
                select min(at) as accepted_at from technician_events where kind = 'accepted' and data ->> 'callSid' = $1
            ), f as (
                select c.provider,
                       (coalesce(e.offered_at, c.started_at) at time zone $3)::date as day,
                       coalesce(c.vars ->> 'membership', '') as plan,
                       case when c.vars ->> 'severity' ~ '^[0-9]+$' and length(c.vars ->> 'severity') <= 4 then (c.vars ->> 'severity')::int else 0 end as severity,
                       e.offered_at is not null as offered,
                       e.offered_at is not null and e.connected as answered,
                       greatest(0, floor(extract(epoch from coalesce(a.accepted_at, e.bridged_at) - e.offered_at)))::bigint as soa,
                       (c.hung_up or e.hung_up_in_queue) and not e.connected and not e.flowed_out as hung_up_waiting,
                       e.queued, e.talk, e.connected
                  from c cross join e cross join a
                 where c.twilio_status is distinct from 'api'
            )
            insert into service_rollups as r (provider, day, plan, severity, soa_bucket, received, offered, answered_live, answered_within_target,
                                              abandoned, abandoned_in_ivr, abandoned_in_queue, soa_seconds, talk_seconds, handle_seconds)
            select provider, day, plan, severity,
                   case when answered then (select count(*) - 1 from unnest($4::int[]) as x(edge) where x.edge <= soa) else -1 end,
                   1, offered::int, answered::int, (answered and soa <= $5)::int,
                   (offered and hung_up_waiting)::int, (not offered and hung_up_waiting)::int, (offered and hung_up_waiting and queued)::int,
                   case when answered then soa else 0 end,
                   case when connected then talk else 0 end,
                   case when connected then talk + $6 else 0 end
              from f
            on conflict (provider, day, plan, severity, soa_bucket) do update set
                   received = r.received + excluded.received, offered = r.offered + excluded.offered,
                   answered_live = r.answered_live + excluded.answered_live,
                   answered_within_target = r.answered_within_target + excluded.answered_within_target,
                   abandoned = r.abandoned + excluded.abandoned, abandoned_in_ivr = r.abandoned_in_ivr + excluded.abandoned_in_ivr,
                   abandoned_in_queue = r.abandoned_in_queue + excluded.abandoned_in_queue, soa_seconds = r.soa_seconds + excluded.soa_seconds,
                   talk_seconds = r.talk_seconds + excluded.talk_seconds, handle_seconds = r.handle_seconds + excluded.handle_seconds
            """, Text(callSid), At(now),
        Text((policies.For(provider)?.Coverage.Zone ?? DateTimeZone.Utc).Id),
        new NpgsqlParameter<int[]> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer, TypedValue = Edges },
        new NpgsqlParameter<long> { TypedValue = (long)options.Value.ServiceLevelThreshold.TotalSeconds },
        new NpgsqlParameter<long> { TypedValue = (long)routing.Value.WrapUp.TotalSeconds });

    /// <summary>Rolls up ended calls not yet added (oldest first, at most <paramref name="limit"/>); returns how many were.</summary>
    public async Task<int> SweepAsync(int limit, CancellationToken ct)
    {
        var before = (clock.GetCurrentInstant() - Duration.FromTimeSpan(options.Value.SweepGrace)).ToDateTimeUtc();
        var pending = await db.Database.SqlQuery<Pending>($"""
            select call_sid as "CallSid", provider as "Provider" from calls
             where reported_at is null and ended_at is not null and ended_at < {before}
             order by ended_at limit {limit}
            """).ToListAsync(ct);
        var count = 0;
        foreach (var call in pending)
            if (await AddAsync(call.CallSid, call.Provider, ct)) count++;
        return count;
    }

    private sealed record Pending(string CallSid, string Provider);
}

/// <summary><c>PhoneSupport:Reports</c>.</summary>
public sealed class ReportOptions
{
    public const string Section = "PhoneSupport:Reports";

    /// <summary>
    /// Service level's T: an offered call answered within this many seconds counts as <c>answeredWithinTarget</c> (default
    /// 60 s, Flex Insights' default). Stamped on each call when it is rolled up: a change applies to calls ending after it.
    /// </summary>
    public TimeSpan ServiceLevelThreshold { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the sweep looks for ended calls not rolled up (default 1 min; zero: off).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long after its end a call is left to its own final status before the sweep rolls it up (default 1 min).</summary>
    public TimeSpan SweepGrace { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Calls per sweep pass (default 500).</summary>
    public int SweepBatch { get; set; } = 500;
}

/// <summary>Runs <see cref="ServiceRollup.SweepAsync"/> every <see cref="ReportOptions.SweepInterval"/>.</summary>
public sealed class ServiceRollupSweep(IServiceScopeFactory scopes, TimeProvider time, IOptions<ReportOptions> options, ILogger<ServiceRollupSweep> logger)
    : Platform.PollingService<ServiceRollup>(scopes, time, logger)
{
    protected override bool Enabled => options.Value.SweepInterval > TimeSpan.Zero;

    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override Task PassAsync(ServiceRollup worker, CancellationToken ct) => worker.SweepAsync(options.Value.SweepBatch, ct);
}
