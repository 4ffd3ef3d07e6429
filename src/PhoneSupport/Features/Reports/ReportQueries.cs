using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Reports;

namespace PhoneSupport.Features.Reports;

/// <summary>A report's provider, its zone and the local days it covers (both included).</summary>
public sealed record ReportRange(string Provider, DateTimeZone Zone, LocalDate From, LocalDate To, ReportGrouping Grouping)
{
    public Interval Span => ReportPeriods.Span(From, To, Zone);
}

/// <summary>
/// The SQL behind the reports and exports (docs/reports.md): the service report reads the daily roll-up and the callbacks and
/// SLA records due in the range (index scans on <c>(provider, due_at)</c>); the figures are folded in the domain.
/// </summary>
public sealed class ReportQueries(PhoneSupportDb db, RevenueDays revenue, IClock clock)
{
    public async Task<IReadOnlyList<ServiceRow>> ServiceAsync(ReportRange range, CancellationToken ct)
    {
        var (provider, zone, from, to) = (range.Provider, range.Zone.Id, range.From, range.To);
        var (start, end) = (range.Span.Start.ToDateTimeUtc(), range.Span.End.ToDateTimeUtc());
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        var facts = new Dictionary<(LocalDate, string, int), ServiceTally>();
        ServiceTally At(LocalDate day, string plan, int severity) =>
            facts.TryGetValue((day, plan, severity), out var t) ? t : facts[(day, plan, severity)] = new ServiceTally();

        var calls = await db.Database.SqlQuery<RollupRow>($"""
            select day as "Day", plan as "Plan", severity as "Severity", soa_bucket as "Bucket", received as "Received", offered as "Offered",
                   answered_live as "AnsweredLive", answered_within_target as "AnsweredWithinTarget", abandoned as "Abandoned",
                   abandoned_in_ivr as "AbandonedInIvr", abandoned_in_queue as "AbandonedInQueue", soa_seconds as "SoaSeconds",
                   talk_seconds as "TalkSeconds", handle_seconds as "HandleSeconds"
              from service_rollups where provider = {provider} and day >= {from} and day <= {to}
            """).ToListAsync(ct);
        foreach (var r in calls)
        {
            var t = new ServiceTally
            {
                Received = r.Received, Offered = r.Offered, AnsweredLive = r.AnsweredLive, AnsweredWithinTarget = r.AnsweredWithinTarget, Abandoned = r.Abandoned,
                AbandonedInIvr = r.AbandonedInIvr, AbandonedInQueue = r.AbandonedInQueue, SpeedOfAnswerSeconds = r.SoaSeconds, TalkSeconds = r.TalkSeconds,
                HandleSeconds = r.HandleSeconds,
            };
            if (r.Bucket >= 0 && r.Bucket < t.SpeedBuckets.Length)
            {
                t.SpeedBuckets[r.Bucket] = r.AnsweredLive;
                t.SpeedBucketSeconds[r.Bucket] = r.SoaSeconds;
            }
            At(r.Day, r.Plan, r.Severity).Add(t);
        }

        // Callbacks and SLA records by due day. A day that is over (an hour's grace for late webhooks) with no callback due that day
        // still open no longer changes: its figures are computed once into report_day_cache and read from there. Days not final
        // yet are computed each time, split by plan and severity only when the rows are (those look-ups cost one per callback).
        var horizon = ReportPeriods.LocalDay(clock.GetCurrentInstant() - Duration.FromHours(1), range.Zone).PlusDays(-1);
        var cachedTo = to < horizon ? to : horizon;
        var cached = from > cachedTo ? [] : (await db.Database.SqlQuery<LocalDate>($"""
            select day as "Value" from report_days_cached where provider = {provider} and zone = {zone} and day >= {from} and day <= {cachedTo}
            """).ToListAsync(ct)).ToHashSet();
        var missing = new List<LocalDate>();
        for (var day = from; day <= cachedTo; day = day.PlusDays(1))
            if (!cached.Contains(day)) missing.Add(day);
        if (missing.Count > 0)
        {
            var span = ReportPeriods.Span(missing[0], missing[^1], range.Zone);
            var computed = await DueDaysAsync(provider, range.Zone, span, split: true, [.. missing], ct);
            var final = missing.Except(computed.Where(r => r.Open > 0).Select(r => r.Day)).ToArray();
            await PersistAsync(provider, zone, final, computed.Where(r => final.Contains(r.Day)).ToList(), ct);
            foreach (var r in computed.Where(r => !final.Contains(r.Day))) Add(r);
        }
        if (cached.Count > 0 || missing.Count > 0)
            foreach (var r in await db.Database.SqlQuery<DueDayRow>($"""
                select day as "Day", plan as "Plan", severity as "Severity", callbacks_promised as "Promised", callbacks_kept as "Kept",
                       callbacks_late as "Late", callbacks_missed as "Missed", 0::bigint as "Open", sla_met as "Met", sla_missed as "SlaMissed"
                  from report_day_cache where provider = {provider} and zone = {zone} and day >= {from} and day <= {cachedTo}
                """).ToListAsync(ct)) Add(r);
        if (to > cachedTo)
        {
            var liveFrom = from > cachedTo ? from : cachedTo.PlusDays(1);
            foreach (var r in await DueDaysAsync(provider, range.Zone, ReportPeriods.Span(liveFrom, to, range.Zone),
                         range.Grouping is ReportGrouping.Plan or ReportGrouping.Severity, null, ct)) Add(r);
        }

        void Add(DueDayRow r)
        {
            var t = At(r.Day, r.Plan, r.Severity);
            (t.CallbacksPromised, t.CallbacksKeptOnTime, t.CallbacksLate, t.CallbacksMissed) =
                (t.CallbacksPromised + r.Promised, t.CallbacksKeptOnTime + r.Kept, t.CallbacksLate + r.Late, t.CallbacksMissed + r.Missed);
            (t.SlaMet, t.SlaMissed) = (t.SlaMet + r.Met, t.SlaMissed + r.SlaMissed);
        }
        return ServiceReport.Fold(provider, facts.Select(f => new ServiceFact(f.Key.Item1, f.Key.Item2, f.Key.Item3, f.Value)), range.Grouping, from, to);
    }

    /// <summary>
    /// Callback and SLA figures per local due day in <paramref name="span"/> (only <paramref name="days"/> when given), split by plan
    /// and severity when <paramref name="split"/>; <c>Open</c> counts callbacks due that day still scheduled or dialing.
    /// </summary>
    private async Task<List<DueDayRow>> DueDaysAsync(string provider, DateTimeZone zone, Interval span, bool split, LocalDate[]? days, CancellationToken ct)
    {
        var (zoneId, start, end, now) = (zone.Id, span.Start.ToDateTimeUtc(), span.End.ToDateTimeUtc(), clock.GetCurrentInstant().ToDateTimeUtc());
        var (all, only) = (days is null, days ?? []);
        var rows = await db.Database.SqlQuery<DueDayRow>($"""
            select (b.due_at at time zone {zoneId})::date as "Day",
                   case when {split} then coalesce((select a.membership from accounts a where a.id = b.account_id), '') else '' end as "Plan",
                   case when {split} then coalesce((select s.severity from sla_records s where s.call_sid = b.call_sid), 0) else 0 end as "Severity",
                   count(*) as "Promised",
                   count(*) filter (where b.status = 'completed' and coalesce(b.connected_at, b.updated_at) <= b.due_at) as "Kept",
                   count(*) filter (where (b.status = 'completed' and coalesce(b.connected_at, b.updated_at) > b.due_at)
                                       or (b.status in ('scheduled', 'dialing') and b.due_at < {now})) as "Late",
                   count(*) filter (where b.status = 'missed') as "Missed",
                   count(*) filter (where b.status in ('scheduled', 'dialing')) as "Open",
                   0::bigint as "Met", 0::bigint as "SlaMissed"
              from callbacks b
             where b.provider = {provider} and b.due_at >= {start} and b.due_at < {end} and b.status <> 'cancelled'
               and ({all} or (b.due_at at time zone {zoneId})::date = any({only}))
             group by 1, 2, 3
            """).ToListAsync(ct);
        rows.AddRange(await db.Database.SqlQuery<DueDayRow>($"""
            select (due_at at time zone {zoneId})::date as "Day", case when {split} then plan else '' end as "Plan",
                   case when {split} then severity else 0 end as "Severity",
                   0::bigint as "Promised", 0::bigint as "Kept", 0::bigint as "Late", 0::bigint as "Missed", 0::bigint as "Open",
                   count(*) filter (where met) as "Met",
                   count(*) filter (where met = false or (met is null and first_contact_at is null and due_at < {now})) as "SlaMissed"
              from sla_records
             where provider = {provider} and due_at >= {start} and due_at < {end}
               and ({all} or (due_at at time zone {zoneId})::date = any({only}))
             group by 1, 2, 3
            """).ToListAsync(ct));
        return rows;
    }

    /// <summary>Stores final days' figures (and marks the days, with none too) once; a concurrent request storing the same days loses quietly.</summary>
    private async Task PersistAsync(string provider, string zone, LocalDate[] days, List<DueDayRow> rows, CancellationToken ct)
    {
        if (days.Length == 0) return;
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        var merged = rows.GroupBy(r => (r.Day, r.Plan, r.Severity)).Select(g => (g.Key, Promised: g.Sum(r => r.Promised), Kept: g.Sum(r => r.Kept),
            Late: g.Sum(r => r.Late), Missed: g.Sum(r => r.Missed), Met: g.Sum(r => r.Met), SlaMissed: g.Sum(r => r.SlaMissed))).ToList();
        var (dayList, plans, severities) = (merged.Select(m => m.Key.Day).ToArray(), merged.Select(m => m.Key.Plan).ToArray(), merged.Select(m => m.Key.Severity).ToArray());
        var (promised, kept, late, missed, met, slaMissed) = (merged.Select(m => m.Promised).ToArray(), merged.Select(m => m.Kept).ToArray(),
            merged.Select(m => m.Late).ToArray(), merged.Select(m => m.Missed).ToArray(), merged.Select(m => m.Met).ToArray(), merged.Select(m => m.SlaMissed).ToArray());
        // One statement: the days are marked and their rows stored together, or (another request did it first) not at all.
        await db.Database.ExecuteSqlAsync($"""
            with marked as (
                insert into report_days_cached (provider, zone, day, computed_at)
                select {provider}, {zone}, d, {now} from unnest({days}::date[]) d
                on conflict do nothing
                returning day)
            insert into report_day_cache (provider, zone, day, plan, severity, callbacks_promised, callbacks_kept, callbacks_late, callbacks_missed, sla_met, sla_missed)
            select {provider}, {zone}, r.day, r.plan, r.severity, r.promised, r.kept, r.late, r.missed, r.met, r.sla_missed
              from unnest({dayList}::date[], {plans}::text[], {severities}::int[], {promised}::bigint[], {kept}::bigint[], {late}::bigint[],
                          {missed}::bigint[], {met}::bigint[], {slaMissed}::bigint[])
                   as r (day, plan, severity, promised, kept, late, missed, met, sla_missed)
             where r.day in (select day from marked)
            on conflict do nothing
            """, ct);
    }

    /// <summary>
    /// Revenue per month (the provider's zone, by the charge's creation), window and currency: billed (everything not waived,
    /// voided or refunded, as <c>/api/charges/totals</c>), paid, waived, refunded — minor units.
    /// </summary>
    public Task<IReadOnlyList<RevenueRow>> RevenueAsync(ReportRange range, CancellationToken ct) => revenue.MonthsAsync(range, ct);

    /// <summary>
    /// Contracts of the provider in force on <paramref name="on"/> (contract-number order, after <paramref name="after"/>) with
    /// the included incidents of their contract year containing that day: used (committed), in progress (claimed) and left.
    /// </summary>
    public async Task<IReadOnlyList<AllowanceRow>> AllowancesAsync(string provider, Domain.Policies.SupportPolicy policy, LocalDate on, string? after, int limit,
        CancellationToken ct)
    {
        var included = policy.Plans.Values.Select(p => p.Contract).FirstOrDefault(c => c is not null)?.IncludedIncidents ?? 0;
        var zone = policy.Coverage.Zone;
        var cursor = after ?? "";
        var contracts = await db.Database.SqlQuery<ContractRow>($"""
            select c.id as "Id", c.contract_number as "ContractNumber", c.account_id as "AccountId", a.name as "AccountName", c.starts_on as "StartsOn", c.ends_on as "EndsOn"
              from contracts c join accounts a on a.id = c.account_id
             where a.provider = {provider} and c.starts_on <= {on} and c.ends_on >= {on} and c.contract_number > {cursor}
             order by c.contract_number
             limit {limit}
            """).ToListAsync(ct);
        if (contracts.Count == 0) return [];
        var ids = contracts.Select(c => c.Id).ToArray();
        var uses = await db.Database.SqlQuery<UseRow>($"""
            select contract_id as "ContractId", contract_year_start as "YearStart", status as "Status", count(*)::int as "Count"
              from allowance_uses where contract_id = any({ids}) and status <> 'released'
             group by 1, 2, 3
            """).ToListAsync(ct);
        var at = ReportPeriods.StartOf(on, zone);
        return [.. contracts.Select(c =>
        {
            var (yearStart, yearEnd, _) = Domain.Policies.ContractYear.For(c.StartsOn, at, zone);
            var mine = uses.Where(u => u.ContractId == c.Id && u.YearStart == yearStart).ToList();
            var used = mine.Where(u => u.Status == "committed").Sum(u => u.Count);
            var claimed = mine.Where(u => u.Status == "claimed").Sum(u => u.Count);
            return new AllowanceRow(c.ContractNumber, c.AccountId, c.AccountName, provider, Platform.AdminFormats.Format(ReportPeriods.LocalDay(yearStart, zone)),
                Platform.AdminFormats.Format(ReportPeriods.LocalDay(yearEnd, zone).PlusDays(-1)), included, used, claimed, Math.Max(0, included - used - claimed));
        })];
    }

    public IAsyncEnumerable<CallExportRow> CallsAsync(string? provider, Interval span, CancellationToken ct)
    {
        var (start, end, all) = (span.Start.ToDateTimeUtc(), span.End.ToDateTimeUtc(), provider is null);
        var p = provider ?? "";
        return db.Database.SqlQuery<CallExportRow>($"""
            select c.call_sid as "CallSid", c.provider as "Provider", c.account_id as "AccountId", c.vars ->> 'membership' as "Plan",
                   c.vars ->> 'severity' as "Severity", c.entitlement ->> 'decision' as "Decision", c.entitlement ->> 'window' as "Window",
                   c.started_at as "StartedAt", c.ended_at as "EndedAt", c.duration_seconds as "DurationSeconds", c.twilio_status as "TwilioStatus",
                   c.caller_hung_up as "CallerHungUp",
                   (select min(e.at) from call_events e where e.call_sid = c.call_sid and e.kind in ('routing', 'queued')) as "OfferedAt",
                   exists (select 1 from call_events e where e.call_sid = c.call_sid and e.kind = 'queued') as "Queued",
                   (select min(t.at) from technician_events t where t.kind = 'accepted' and t.data ->> 'callSid' = c.call_sid) as "AnsweredAt",
                   (select coalesce(sum(case when e.data ->> 'seconds' ~ '^[0-9]+$' and length(e.data ->> 'seconds') <= 9 then (e.data ->> 'seconds')::int else 0 end), 0)::int
                      from call_events e where e.call_sid = c.call_sid and e.kind = 'connected') as "TalkSeconds",
                   exists (select 1 from call_events e where e.call_sid = c.call_sid and e.kind in ('callbackScheduled', 'messageStored')) as "CallbackPromised"
              from calls c
             where c.started_at >= {start} and c.started_at < {end} and ({all} or c.provider = {p}) and c.twilio_status is distinct from 'api'
             order by c.started_at, c.call_sid
            """).AsAsyncEnumerable();
    }

    public IAsyncEnumerable<CallbackExportRow> CallbacksAsync(string? provider, Interval span, CancellationToken ct)
    {
        var (start, end, all) = (span.Start.ToDateTimeUtc(), span.End.ToDateTimeUtc(), provider is null);
        var p = provider ?? "";
        return db.Database.SqlQuery<CallbackExportRow>($"""
            select id as "Id", provider as "Provider", account_id as "AccountId", call_sid as "CallSid", reason as "Reason", priority as "Priority",
                   status as "Status", created_at as "CreatedAt", due_at as "DueAt", connected_at as "ConnectedAt", attempts as "Attempts", at_risk as "AtRisk"
              from callbacks
             where due_at >= {start} and due_at < {end} and ({all} or provider = {p})
             order by due_at, id
            """).AsAsyncEnumerable();
    }

    public IAsyncEnumerable<IncidentExportRow> IncidentsAsync(string? provider, Interval span, CancellationToken ct)
    {
        var (start, end, all) = (span.Start.ToDateTimeUtc(), span.End.ToDateTimeUtc(), provider is null);
        var p = provider ?? "";
        return db.Database.SqlQuery<IncidentExportRow>($"""
            select i.id as "Id", i.provider as "Provider", i.account_id as "AccountId", i.contract_id as "ContractId", i.call_sid as "CallSid",
                   i.decision as "Decision", i."window" as "Window", i.status as "Status", i.opened_at as "OpenedAt", i.closed_at as "ClosedAt",
                   i.talk_seconds as "TalkSeconds", s.plan as "SlaPlan", s.severity as "SlaSeverity", s.target as "SlaTarget", s.clock as "SlaClock",
                   s.due_at as "SlaDueAt", s.first_contact_at as "SlaFirstContactAt", s.met as "SlaMet"
              from incidents i left join sla_records s on s.call_sid = i.call_sid
             where i.opened_at >= {start} and i.opened_at < {end} and ({all} or i.provider = {p}) and i.status <> 'merged'
             order by i.opened_at, i.id
            """).AsAsyncEnumerable();
    }
}

public sealed class RollupRow
{
    public LocalDate Day { get; init; }
    public string Plan { get; init; } = "";
    public int Severity { get; init; }
    public short Bucket { get; init; }
    public long Received { get; init; }
    public long Offered { get; init; }
    public long AnsweredLive { get; init; }
    public long AnsweredWithinTarget { get; init; }
    public long Abandoned { get; init; }
    public long AbandonedInIvr { get; init; }
    public long AbandonedInQueue { get; init; }
    public long SoaSeconds { get; init; }
    public long TalkSeconds { get; init; }
    public long HandleSeconds { get; init; }
}

public sealed class DueDayRow
{
    public LocalDate Day { get; init; }
    public string Plan { get; init; } = "";
    public int Severity { get; init; }
    public long Promised { get; init; }
    public long Kept { get; init; }
    public long Late { get; init; }
    public long Missed { get; init; }
    public long Open { get; init; }
    public long Met { get; init; }
    public long SlaMissed { get; init; }
}

public sealed class RevenueRow
{
    public string Month { get; init; } = "";
    public string Provider { get; init; } = "";
    public string Window { get; init; } = "";
    public string Currency { get; init; } = "";
    public long Charges { get; init; }
    public long Billed { get; init; }
    public long Paid { get; init; }
    public long Waived { get; init; }
    public long Refunded { get; init; }
}

public sealed class ContractRow
{
    public Guid Id { get; init; }
    public string ContractNumber { get; init; } = "";
    public Guid AccountId { get; init; }
    public string AccountName { get; init; } = "";
    public LocalDate StartsOn { get; init; }
    public LocalDate EndsOn { get; init; }
}

public sealed class UseRow
{
    public Guid ContractId { get; init; }
    public Instant YearStart { get; init; }
    public string Status { get; init; } = "";
    public int Count { get; init; }
}

/// <summary>A contract's included incidents in the contract year containing the report day.</summary>
public sealed record AllowanceRow(string ContractNumber, Guid AccountId, string AccountName, string Provider, string YearStartsOn, string YearEndsOn,
    int Included, int Used, int InProgress, int Left);

public sealed class CallExportRow
{
    public string CallSid { get; init; } = "";
    public string Provider { get; init; } = "";
    public Guid? AccountId { get; init; }
    public string? Plan { get; init; }
    public string? Severity { get; init; }
    public string? Decision { get; init; }
    public string? Window { get; init; }
    public Instant StartedAt { get; init; }
    public Instant? EndedAt { get; init; }
    public int? DurationSeconds { get; init; }
    public string? TwilioStatus { get; init; }
    public bool? CallerHungUp { get; init; }
    public Instant? OfferedAt { get; init; }
    public bool Queued { get; init; }
    public Instant? AnsweredAt { get; init; }
    public int TalkSeconds { get; init; }
    public bool CallbackPromised { get; init; }
}

public sealed class CallbackExportRow
{
    public Guid Id { get; init; }
    public string Provider { get; init; } = "";
    public Guid? AccountId { get; init; }
    public string CallSid { get; init; } = "";
    public string Reason { get; init; } = "";
    public int Priority { get; init; }
    public string Status { get; init; } = "";
    public Instant CreatedAt { get; init; }
    public Instant DueAt { get; init; }
    public Instant? ConnectedAt { get; init; }
    public int Attempts { get; init; }
    public bool AtRisk { get; init; }
}

public sealed class IncidentExportRow
{
    public Guid Id { get; init; }
    public string Provider { get; init; } = "";
    public Guid? AccountId { get; init; }
    public Guid? ContractId { get; init; }
    public string CallSid { get; init; } = "";
    public string Decision { get; init; } = "";
    public string Window { get; init; } = "";
    public string Status { get; init; } = "";
    public Instant OpenedAt { get; init; }
    public Instant? ClosedAt { get; init; }
    public int TalkSeconds { get; init; }
    public string? SlaPlan { get; init; }
    public int? SlaSeverity { get; init; }
    public string? SlaTarget { get; init; }
    public string? SlaClock { get; init; }
    public Instant? SlaDueAt { get; init; }
    public Instant? SlaFirstContactAt { get; init; }
    public bool? SlaMet { get; init; }
}
