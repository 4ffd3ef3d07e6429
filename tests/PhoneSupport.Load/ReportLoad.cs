using System.Diagnostics;
using System.Globalization;

namespace PhoneSupport.Load;

/// <summary>
/// Report latency at scale (issue 13, item 5): the history of <see cref="DataSet.SeedIncidentsAsync"/> (ended calls with closed
/// incidents, already rolled up) gets its roll-up rows, and a tenth as many callbacks, SLA records and charges; then each report
/// endpoint is timed through a running service instance (warm-up, then <c>runs</c> requests each).
/// </summary>
public static class ReportLoad
{
    public const string AdminKey = "load-harness-report-key-0123456789abcdefghij";

    /// <summary>The service report's speed-of-answer edges without the first (0): PostgreSQL's width_bucket gives the bucket index.</summary>
    private static readonly int[] Thresholds = [.. PhoneSupport.Domain.Reports.SpeedOfAnswer.Edges.Skip(1)];

    public static async Task SeedAsync(string connection, int accounts, int history, TextWriter log)
    {
        var watch = Stopwatch.StartNew();
        const int chunk = 1_000_000;
        for (var from = 0; from < history; from += chunk)
        {
            var to = Math.Min(history, from + chunk);
            // The roll-up of the history calls (answered, speed of answer i % 90 s, 540 s talk + 30 s wrap-up), as the service would have.
            await DataSet.ExecAsync(connection, """
                insert into service_rollups as r (provider, day, plan, severity, soa_bucket, received, offered, answered_live, answered_within_target,
                                                  abandoned, abandoned_in_ivr, abandoned_in_queue, soa_seconds, talk_seconds, handle_seconds)
                select 'constellix', d, 'Corporate', 0, b, count(*), count(*), count(*), count(*) filter (where soa <= 60), 0, 0, 0, sum(soa), sum(540), sum(570)
                  from (select ((timestamptz '2025-01-01' + i * interval '3 seconds') at time zone 'America/New_York')::date as d, i % 90 as soa,
                               width_bucket((i % 90)::int, $3::int[]) as b
                          from generate_series($1, $2 - 1) i) x
                 group by d, b
                on conflict (provider, day, plan, severity, soa_bucket) do update set
                       received = r.received + excluded.received, offered = r.offered + excluded.offered, answered_live = r.answered_live + excluded.answered_live,
                       answered_within_target = r.answered_within_target + excluded.answered_within_target, soa_seconds = r.soa_seconds + excluded.soa_seconds,
                       talk_seconds = r.talk_seconds + excluded.talk_seconds, handle_seconds = r.handle_seconds + excluded.handle_seconds
                """, from, to, Thresholds);
            var (tenthFrom, tenthTo) = (from / 10, to / 10);
            await DataSet.ExecAsync(connection, """
                insert into callbacks (id, provider, account_id, call_sid, phone_number, reason, priority, due_at, not_before, coverage_only, status, attempts,
                                       next_attempt_at, at_risk, created_at, updated_at, version, connected_at)
                select md5('callback' || i)::uuid, 'constellix', md5('account' || (i % $3))::uuid, 'CAcallback' || lpad(i::text, 24, '0'), '+15550000000',
                       'callback', 3, t + interval '2 hours', t, false, case when i % 10 = 0 then 'missed' else 'completed' end, 1, t, false, t, t, 1,
                       case when i % 10 = 0 then null else t + interval '2 hours' + ((i % 7) - 4) * interval '10 minutes' end
                  from (select i, timestamptz '2025-01-01' + i * interval '30 seconds' as t from generate_series($1, $2 - 1) i) x
                """, tenthFrom, tenthTo, accounts);
            await DataSet.ExecAsync(connection, """
                insert into sla_records (call_sid, provider, account_id, plan, severity, target, clock, started_at, due_at, first_contact_at, first_contact, met,
                                         policy_version, updated_at)
                select 'CAhistory' || lpad((i * 10)::text, 24, '0'), 'constellix', md5('account' || ((i * 10) % $3))::uuid, 'Corporate', 1 + i % 4, 'PT4H', '24x7',
                       t, t + interval '4 hours', t + (i % 300) * interval '1 minute', 'live', (i % 300) <= 240, 'load', t
                  from (select i, timestamptz '2025-01-01' + i * interval '30 seconds' as t from generate_series($1, $2 - 1) i) x
                """, tenthFrom, tenthTo, accounts);
            await DataSet.ExecAsync(connection, """
                insert into charges (id, incident_id, account_id, kind, "window", rate_per_hour, currency, billed_seconds, steps, amount, policy_version, status,
                                     created_at, updated_at, origin, description, version, invoicing)
                select md5('charge' || i)::uuid, md5('incident' || (i * 10))::uuid, md5('account' || ((i * 10) % $3))::uuid, 'overage',
                       (array['night', 'weekend', 'holiday', 'business'])[1 + i % 4], 8500, 'usd', 1800, 1, 4250, 'load',
                       (array['paid', 'paid', 'paid', 'waived', 'refunded', 'invoiced'])[1 + i % 6], t, t, 'call', 'load', 1, 'perIncident'
                  from (select i, timestamptz '2025-01-01' + i * interval '30 seconds' + interval '10 minutes' as t from generate_series($1, $2 - 1) i) x
                """, tenthFrom, tenthTo, accounts);
            log.WriteLine($"  seeded report data for {to:N0} of {history:N0} calls ({watch.Elapsed.TotalSeconds:0} s)");
        }
        await DataSet.ExecAsync(connection, "vacuum analyze");
    }

    /// <summary>The report requests timed, against the history (calls from 2025-01-01, 3 s apart).</summary>
    public static IReadOnlyList<(string Name, string Path)> Requests(int history)
    {
        var last = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(3.0 * Math.Max(0, history - 1));
        string D(DateTime d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var (month, year) = ($"from={D(last.AddDays(-29))}&to={D(last)}", $"from={D(last.AddDays(-398))}&to={D(last)}");
        return
        [
            ("service, 30 days by day", $"/api/reports/service?provider=constellix&{month}&groupBy=day"),
            ("service, 399 days by day", $"/api/reports/service?provider=constellix&{year}&groupBy=day"),
            ("service, 399 days by month", $"/api/reports/service?provider=constellix&{year}&groupBy=month"),
            ("service, 399 days by severity", $"/api/reports/service?provider=constellix&{year}&groupBy=severity"),
            ("service.csv, 399 days by week", $"/api/reports/service.csv?provider=constellix&{year}&groupBy=week"),
            ("revenue, 30 days", $"/api/reports/revenue?provider=constellix&{month}"),
            ("revenue, 399 days", $"/api/reports/revenue?provider=constellix&{year}"),
            ("allowances, 100 contracts", "/api/reports/allowances?provider=constellix&on=2026-06-01&limit=100"),
        ];
    }

    /// <summary>Starts an instance on <paramref name="connection"/> and times every report request; returns name → (p50, max) in ms.</summary>
    public static async Task<Dictionary<string, (double P50, double Max)>> MeasureAsync(Harness harness, string connection, int history, int runs = 15)
    {
        var env = Harness.ServiceEnvironment(connection);
        env["PhoneSupport__BootstrapAdminApiKey"] = AdminKey;
        env["PhoneSupport__Reports__SweepInterval"] = "00:00:00";
        await harness.StartInstancesAsync(1, env);
        var results = new Dictionary<string, (double, double)>();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(harness.Instances[0].BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
            foreach (var (name, path) in Requests(history))
            {
                var latencies = new Latencies();
                for (var i = 0; i < runs + 3; i++)
                {
                    var watch = Stopwatch.StartNew();
                    using var response = await http.GetAsync(path);
                    var body = await response.Content.ReadAsStringAsync();
                    watch.Stop();
                    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}: {body}");
                    if (i >= 3) latencies.Add(watch.Elapsed);
                }
                results[name] = (latencies.P50, latencies.Max);
            }
        }
        finally
        {
            await harness.StopInstancesAsync();
        }
        return results;
    }

    public static void Print(TextWriter log, IReadOnlyList<(string Label, Dictionary<string, (double P50, double Max)> Figures)> runs)
    {
        log.WriteLine("report latencies (ms, p50 / max of 15 requests after 3 warm-up, one instance):");
        log.WriteLine($"  {"request",-34}" + string.Concat(runs.Select(r => $"{r.Label,24}")));
        foreach (var name in runs[0].Figures.Keys)
            log.WriteLine($"  {name,-34}" + string.Concat(runs.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Figures[name].P50,13:0.0} / {r.Figures[name].Max,8:0.0}"))));
    }
}
