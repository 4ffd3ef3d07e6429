using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Reports;

namespace PhoneSupport.Features.Reports;

/// <summary>
/// Revenue per local day, window and currency, folded into months. Days before today are computed once into
/// <c>revenue_day_cache</c>; a charge changed since (status, amount: its <c>updated_at</c>, found through an index on it from the
/// last check, with a 10-minute margin for transactions still committing) drops its creation day from the cache, which the next
/// report computes again. Today is always read live.
/// </summary>
public sealed class RevenueDays(PhoneSupportDb db, IClock clock)
{
    private static readonly Duration Margin = Duration.FromMinutes(10);

    public async Task<IReadOnlyList<RevenueRow>> MonthsAsync(ReportRange range, CancellationToken ct)
    {
        var (provider, zone, from, to) = (range.Provider, range.Zone.Id, range.From, range.To);
        var now = clock.GetCurrentInstant();
        var yesterday = ReportPeriods.LocalDay(now, range.Zone).PlusDays(-1);
        var cachedTo = to < yesterday ? to : yesterday;
        var days = new List<RevenueDayRow>();
        if (from <= cachedTo)
        {
            var checkedAt = (now - Margin).ToDateTimeUtc();
            await db.Database.ExecuteSqlAsync($"""
                with w as (select checked_at from revenue_cache_watermarks where provider = {provider} and zone = {zone}),
                touched as (select distinct (c.created_at at time zone {zone})::date as day from charges c, w where c.updated_at > w.checked_at),
                gone as (delete from revenue_days_cached d using touched t where d.provider = {provider} and d.zone = {zone} and d.day = t.day returning d.day),
                rows as (delete from revenue_day_cache r using touched t where r.provider = {provider} and r.zone = {zone} and r.day = t.day returning 1)
                insert into revenue_cache_watermarks (provider, zone, checked_at) values ({provider}, {zone}, {checkedAt})
                on conflict (provider, zone) do update set checked_at = greatest(revenue_cache_watermarks.checked_at, excluded.checked_at)
                """, ct);
            var cached = (await db.Database.SqlQuery<LocalDate>($"""
                select day as "Value" from revenue_days_cached where provider = {provider} and zone = {zone} and day >= {from} and day <= {cachedTo}
                """).ToListAsync(ct)).ToHashSet();
            var missing = new List<LocalDate>();
            for (var day = from; day <= cachedTo; day = day.PlusDays(1))
                if (!cached.Contains(day)) missing.Add(day);
            if (missing.Count > 0)
            {
                var computed = await DaysAsync(provider, range.Zone, ReportPeriods.Span(missing[0], missing[^1], range.Zone), [.. missing], ct);
                await PersistAsync(provider, zone, [.. missing], computed, ct);
            }
            days.AddRange(await db.Database.SqlQuery<RevenueDayRow>($"""
                select day as "Day", "window" as "Window", currency as "Currency", charges as "Charges", billed as "Billed", paid as "Paid",
                       waived as "Waived", refunded as "Refunded"
                  from revenue_day_cache where provider = {provider} and zone = {zone} and day >= {from} and day <= {cachedTo}
                """).ToListAsync(ct));
        }
        if (to > cachedTo)
            days.AddRange(await DaysAsync(provider, range.Zone, ReportPeriods.Span(from > cachedTo ? from : cachedTo.PlusDays(1), to, range.Zone), null, ct));
        return [.. days.GroupBy(d => (Month: ReportPeriods.PeriodOf(d.Day, ReportGrouping.Month, from, to), d.Window, d.Currency))
            .OrderBy(g => g.Key.Month, StringComparer.Ordinal).ThenBy(g => g.Key.Window, StringComparer.Ordinal).ThenBy(g => g.Key.Currency, StringComparer.Ordinal)
            .Select(g => new RevenueRow
            {
                Month = g.Key.Month, Provider = provider, Window = g.Key.Window, Currency = g.Key.Currency, Charges = g.Sum(d => d.Charges),
                Billed = g.Sum(d => d.Billed), Paid = g.Sum(d => d.Paid), Waived = g.Sum(d => d.Waived), Refunded = g.Sum(d => d.Refunded),
            })];
    }

    private async Task<List<RevenueDayRow>> DaysAsync(string provider, DateTimeZone zone, Interval span, LocalDate[]? only, CancellationToken ct)
    {
        var (zoneId, start, end, all, days) = (zone.Id, span.Start.ToDateTimeUtc(), span.End.ToDateTimeUtc(), only is null, only ?? []);
        return await db.Database.SqlQuery<RevenueDayRow>($"""
            select (c.created_at at time zone {zoneId})::date as "Day", c."window" as "Window", c.currency as "Currency", count(*) as "Charges",
                   coalesce(sum(c.amount) filter (where c.status not in ('waived', 'voided', 'refunded')), 0)::bigint as "Billed",
                   coalesce(sum(c.amount) filter (where c.status = 'paid'), 0)::bigint as "Paid",
                   coalesce(sum(c.amount) filter (where c.status = 'waived'), 0)::bigint as "Waived",
                   coalesce(sum(c.amount) filter (where c.status = 'refunded'), 0)::bigint as "Refunded"
              from charges c join incidents i on i.id = c.incident_id
             where i.provider = {provider} and c.created_at >= {start} and c.created_at < {end}
               and ({all} or (c.created_at at time zone {zoneId})::date = any({days}))
             group by 1, 2, 3
            """).ToListAsync(ct);
    }

    /// <summary>Marks the days and stores their rows in one statement; a concurrent request that stored them first wins.</summary>
    private async Task PersistAsync(string provider, string zone, LocalDate[] days, List<RevenueDayRow> rows, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        await db.Database.ExecuteSqlAsync($"""
            with marked as (
                insert into revenue_days_cached (provider, zone, day, computed_at)
                select {provider}, {zone}, d, {now} from unnest({days}::date[]) d
                on conflict do nothing
                returning day)
            insert into revenue_day_cache (provider, zone, day, "window", currency, charges, billed, paid, waived, refunded)
            select {provider}, {zone}, r.day, r.w, r.currency, r.charges, r.billed, r.paid, r.waived, r.refunded
              from unnest({rows.Select(r => r.Day).ToArray()}::date[], {rows.Select(r => r.Window).ToArray()}::text[], {rows.Select(r => r.Currency).ToArray()}::text[],
                          {rows.Select(r => r.Charges).ToArray()}::bigint[], {rows.Select(r => r.Billed).ToArray()}::bigint[], {rows.Select(r => r.Paid).ToArray()}::bigint[],
                          {rows.Select(r => r.Waived).ToArray()}::bigint[], {rows.Select(r => r.Refunded).ToArray()}::bigint[])
                   as r (day, w, currency, charges, billed, paid, waived, refunded)
             where r.day in (select day from marked)
            on conflict do nothing
            """, ct);
    }
}

public sealed class RevenueDayRow
{
    public LocalDate Day { get; init; }
    public string Window { get; init; } = "";
    public string Currency { get; init; } = "";
    public long Charges { get; init; }
    public long Billed { get; init; }
    public long Paid { get; init; }
    public long Waived { get; init; }
    public long Refunded { get; init; }
}
