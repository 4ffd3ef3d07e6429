using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace PhoneSupport.Load;

/// <summary>
/// A month of generated Constellix calls for the what-if (issue 17), written straight into PostgreSQL set-based
/// (<c>INSERT … SELECT generate_series</c>), consistent with what the service would have recorded under the shipped policy
/// (version 2026.11.1): Corporate accounts with a contract (2 included night/weekend incidents a contract year, 120 dollars
/// per hour beyond, in half-hour steps) and Business accounts (a 30-minute block bought in business hours, a quote asked
/// after hours that is never connected). Calls are spread evenly over the period; the rows of one seed share a
/// <c>tag</c> (ids are md5 of it), so seeds never collide.
/// </summary>
public static class WhatIfLoad
{
    public const string AdminKey = "load-harness-whatif-key-0123456789abcdefghij";
    public const string Version = "2026.11.1";

    public sealed record Seeded(int Calls, long Rows, TimeSpan Took);

    /// <summary>
    /// Seeds <paramref name="calls"/> calls over <paramref name="accounts"/> accounts (every fifth a Business account) answered evenly
    /// in [<paramref name="from"/>, <paramref name="to"/>) (in March, so no US federal holiday).
    /// <paramref name="firstNumber"/> starts the account and contract numbers (8–12 digits, unique in the database).
    /// </summary>
    public static async Task<Seeded> SeedAsync(string connection, string tag, int calls, int accounts, DateTimeOffset from, DateTimeOffset to, long firstNumber)
    {
        var watch = Stopwatch.StartNew();
        var stage = "whatif_stage_" + tag;
        await DataSet.ExecAsync(connection, """
            insert into accounts (id, provider, name, membership, account_number, stripe_customer_id, created_at)
            select md5($1 || 'account' || i)::uuid, 'constellix', 'What-if ' || case when i % 5 = 4 then 'Business ' else 'Corp ' end || i,
                   case when i % 5 = 4 then 'Business' else 'Corporate' end, ($3 + i)::text, null, now()
              from generate_series(0, $2 - 1) i
            """, tag, accounts, firstNumber);
        await DataSet.ExecAsync(connection, """
            insert into contracts (id, account_id, contract_number, starts_on, ends_on, created_at)
            select md5($1 || 'contract' || i)::uuid, md5($1 || 'account' || i)::uuid, ($3 + i)::text, date '2020-01-15', date '2040-01-14', now()
              from generate_series(0, $2 - 1) i where i % 5 <> 4
            """, tag, accounts, firstNumber);
        // The calls, with what the engine decides: the window in New York time (weekend, 09:00–18:00 business, else night); a
        // contract's first two after-hours calls of the contract year (from 15 January) use its included incidents.
        await DataSet.ExecAsync(connection, $"""
            create unlogged table {stage} as
            with raw as (
                select i, 'CA' || $1 || lpad(i::text, 24, '0') as sid, i % $3 as a, (i % $3) % 5 = 4 as business,
                       $4::timestamptz + (i::float8 * $5 / $2) * interval '1 second' as at, 5 + (i * 37) % 180 as talk
                  from generate_series(0, $2 - 1) i),
            windowed as (
                select r.*, case when extract(isodow from r.at at time zone 'America/New_York') in (6, 7) then 'weekend'
                                 when (r.at at time zone 'America/New_York')::time >= time '09:00'
                                      and (r.at at time zone 'America/New_York')::time < time '18:00' then 'business'
                                 else 'night' end as win
                  from raw r),
            ranked as (
                select w.*, row_number() over (partition by w.a, w.win = 'business' order by w.at, w.i) as nth from windowed w)
            select i, sid, md5($1 || 'account' || a)::uuid as account_id, case when business then null else md5($1 || 'contract' || a)::uuid end as contract_id,
                   business, at, talk, win,
                   case when business and win = 'business' then 'purchaseRequired' when business then 'quoteRequired'
                        when win = 'business' then 'liveRoute' when nth <= 2 then 'liveRouteUsingIncluded' else 'liveRouteWithPrice' end as decision,
                   not (business and win <> 'business') as connected
              from ranked
            """, tag, calls, accounts, from, (to - from).TotalSeconds);
        await DataSet.ExecAsync(connection, $"""
            insert into calls (call_sid, provider, flow_id, from_number, to_number, step, attempt, language, sequence, vars, phase, twilio_status, account_id,
                               started_at, updated_at, ended_at, duration_seconds, version, entitlement)
            select sid, 'constellix', 'constellix', '+15550000000', '+17038803095', 'done', 0, 'en-US', 5,
                   jsonb_build_object('membership', case when business then 'Business' else 'Corporate' end, 'accountId', account_id::text)
                     || case when contract_id is null then jsonb_build_object() else jsonb_build_object('contractId', contract_id::text) end,
                   'Ended', 'completed', account_id, at, at, at + (talk + 1) * interval '1 minute', (talk + 1) * 60, 1,
                   jsonb_build_object('decision', decision, 'window', win, 'policyVersion', '{Version}')
              from {stage}
            """);
        await DataSet.ExecAsync(connection, $"""
            insert into incidents (id, provider, account_id, contract_id, call_sid, decision, "window", policy_version, opened_at, closed_at, talk_seconds, status, version)
            select md5($1 || 'incident' || i)::uuid, 'constellix', account_id, contract_id, sid, decision, win, '{Version}', at, at + talk * interval '1 minute',
                   talk * 60, 'closed', 1
              from {stage} where connected
            """, tag);
        await DataSet.ExecAsync(connection, $"""
            insert into incident_legs (leg_sid, incident_id, call_sid, seconds, source, at)
            select 'CL' || $1 || lpad(i::text, 24, '0'), md5($1 || 'incident' || i)::uuid, sid, talk * 60, 'dial', at + talk * interval '1 minute'
              from {stage} where connected
            """, tag);
        await DataSet.ExecAsync(connection, $"""
            insert into allowance_uses (id, contract_id, contract_year_start, call_sid, incident_id, status, claimed_at, committed_at)
            select md5($1 || 'use' || i)::uuid, contract_id,
                   (make_date(extract(year from at at time zone 'America/New_York')::int
                              - case when (at at time zone 'America/New_York')::date < make_date(extract(year from at at time zone 'America/New_York')::int, 1, 15) then 1 else 0 end,
                              1, 15)::timestamp) at time zone 'America/New_York',
                   sid, md5($1 || 'incident' || i)::uuid, 'committed', at, at + talk * interval '1 minute'
              from {stage} where decision = 'liveRouteUsingIncluded'
            """, tag);
        await DataSet.ExecAsync(connection, $"""
            insert into purchases (id, provider, account_id, call_sid, channel, "window", minutes, price, rate_per_hour, currency, policy_version, consent, created_at)
            select md5($1 || 'purchase' || i)::uuid, 'constellix', account_id, sid, 'phone', 'business', 30, 4250, 8500, 'usd', '{Version}', jsonb_build_object('key', '1'), at
              from {stage} where decision = 'purchaseRequired'
            """, tag);
        // The charges as closing the incident prices them: 60 dollars per started half hour beyond 2 hours (included) or of all
        // the talk (priced); the 42.50 block and 42.50 per started half hour beyond it (bought).
        await DataSet.ExecAsync(connection, $"""
            insert into charges (id, incident_id, account_id, kind, "window", rate_per_hour, currency, billed_seconds, steps, amount, policy_version, status,
                                 created_at, updated_at, origin, purchase_id, description, version, invoicing)
            select md5($1 || 'charge' || i || kind)::uuid, md5($1 || 'incident' || i)::uuid, account_id, kind, win, rate, 'usd', billed * 60, steps, steps * rate / 2,
                   '{Version}', 'pending', at, at, origin, purchase_id, 'what-if load', 1, 'perIncident'
              from (
                select i, account_id, win, at, 'beyondIncluded' as kind, 12000 as rate, talk - 120 as billed, ceil((talk - 120) / 30.0)::int as steps, 'call' as origin, null::uuid as purchase_id
                  from {stage} where decision = 'liveRouteUsingIncluded' and talk > 120
                union all
                select i, account_id, win, at, 'priced', 12000, talk, ceil(talk / 30.0)::int, 'call', null from {stage} where decision = 'liveRouteWithPrice'
                union all
                select i, account_id, win, at, 'purchased', 8500, 30, 1, 'purchase', md5($1 || 'purchase' || i)::uuid from {stage} where decision = 'purchaseRequired'
                union all
                select i, account_id, win, at, 'beyondPurchased', 8500, talk - 30, ceil((talk - 30) / 30.0)::int, 'purchase', md5($1 || 'purchase' || i)::uuid
                  from {stage} where decision = 'purchaseRequired' and talk > 30) x
            """, tag);
        var rows = await DataSet.ScalarAsync(connection, $"""
            select (select count(*) from {stage}) * 1 + (select count(*) from {stage} where connected) * 2
                 + (select count(*) from {stage} where decision in ('liveRouteUsingIncluded', 'purchaseRequired'))
                 + (select count(*) from charges c join {stage} s on c.incident_id = md5($1 || 'incident' || s.i)::uuid)
            """, tag);
        await DataSet.ExecAsync(connection, $"drop table {stage}");
        return new Seeded(calls, rows + accounts + Enumerable.Range(0, accounts).Count(i => i % 5 != 4), watch.Elapsed);
    }

    /// <summary>What was billed for the calls answered in [from, to), summed in SQL (beside the replay, not through it).</summary>
    public static Task<long> BilledAsync(string connection, DateTimeOffset from, DateTimeOffset to) => DataSet.ScalarAsync(connection, """
        select coalesce(sum(c.amount), 0)::bigint from charges c join incidents i on i.id = c.incident_id join calls k on k.call_sid = i.call_sid
         where k.provider = 'constellix' and k.started_at >= $1 and k.started_at < $2 and c.status <> 'waived' and i.status = 'closed'
        """, from, to);

    /// <summary>
    /// The same calls' bill with the contract's night rate at 150 dollars per hour (75 per half-hour step), summed in SQL: the
    /// independent figure a draft with that rate must reproduce.
    /// </summary>
    public static Task<long> BilledAtNightRateAsync(string connection, DateTimeOffset from, DateTimeOffset to, long nightRate) => DataSet.ScalarAsync(connection, """
        select coalesce(sum(case when c.kind in ('priced', 'beyondIncluded') and c."window" = 'night' then c.steps * $3 / 2 else c.amount end), 0)::bigint
          from charges c join incidents i on i.id = c.incident_id join calls k on k.call_sid = i.call_sid
         where k.provider = 'constellix' and k.started_at >= $1 and k.started_at < $2 and c.status <> 'waived' and i.status = 'closed'
        """, from, to, nightRate);

    /// <summary>The shipped Constellix policy with the contract's night rate changed (and the version named <c>draft</c>).</summary>
    public static string NightRateDraft(string shippedYaml, long nightRate) =>
        shippedYaml.Replace("ratesPerHour: { night: 12000, weekend: 12000, holiday: 26000 }",
                $"ratesPerHour: {{ night: {nightRate.ToString(CultureInfo.InvariantCulture)}, weekend: 12000, holiday: 26000 }}", StringComparison.Ordinal)
            .Replace($"version: \"{Version}\"", "version: \"draft\"", StringComparison.Ordinal);

    /// <summary>The shipped <c>constellix.policy.yaml</c>: beside this assembly, or in the repository above it.</summary>
    public static string ShippedPolicy()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "ivr-flows", "constellix.policy.yaml");
            if (File.Exists(file)) return file;
        }
        throw new FileNotFoundException("ivr-flows/constellix.policy.yaml not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Posts a what-if and answers the JSON and the wall time of the request (end to end).</summary>
    public static async Task<(JsonObject Body, TimeSpan Took)> AskAsync(HttpClient http, object body, string query = "?limit=1")
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.PostAsJsonAsync("/api/policies/constellix/what-if" + query, body);
        var text = await response.Content.ReadAsStringAsync();
        watch.Stop();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"what-if answered {(int)response.StatusCode}: {text}");
        return (JsonNode.Parse(text)!.AsObject(), watch.Elapsed);
    }

    /// <summary>
    /// The <c>whatif</c> scenario: seeds <c>--calls</c> (100,000) calls over <c>--accounts</c> (2,000) for March 2030, then times the
    /// what-if end to end through one service instance (the current version, then a night-rate draft), each <c>--runs</c> (3) times, and
    /// checks the totals against the sums in SQL.
    /// </summary>
    public static async Task<bool> RunAsync(Harness harness, Args args)
    {
        var (calls, accounts, runs) = (args.Int("calls", 100_000), args.Int("accounts", 2_000), args.Int("runs", 3));
        var from = new DateTimeOffset(2030, 3, 1, 5, 0, 0, TimeSpan.Zero);
        var to = new DateTimeOffset(2030, 4, 1, 4, 0, 0, TimeSpan.Zero);
        var connection = await harness.DatabaseAsync($"load_whatif_{calls}");
        await harness.StartInstancesAsync(1, Harness.ServiceEnvironment(connection)); // migrates
        await harness.StopInstancesAsync();
        var seeded = await SeedAsync(connection, "load", calls, accounts, from, to, 800_000_000);
        var analyze = Stopwatch.StartNew();
        await DataSet.ExecAsync(connection, "vacuum analyze");
        harness.Log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rows loaded: {seeded.Rows:N0} ({seeded.Calls:N0} calls with incidents, legs, allowance uses, purchases, charges) in {seeded.Took.TotalMilliseconds:0} ms load (+ {analyze.ElapsedMilliseconds} ms vacuum analyze)"));

        var env = Harness.ServiceEnvironment(connection);
        env["PhoneSupport__BootstrapAdminApiKey"] = AdminKey;
        await harness.StartInstancesAsync(1, env);
        var ok = true;
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(harness.Instances[0].BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
            var shipped = await File.ReadAllTextAsync(ShippedPolicy());
            var billed = await BilledAsync(connection, from, to);
            var atNight = await BilledAtNightRateAsync(connection, from, to, 15000);
            var (f, t) = (from.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), to.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            foreach (var (label, body, expected) in new (string, object, long)[]
            {
                ("current version", new { version = Version, from = f, to = t }, billed),
                ("night rate 150/h draft", new { yaml = NightRateDraft(shipped, 15000), from = f, to = t }, atNight),
            })
            {
                for (var run = 1; run <= runs; run++)
                {
                    var (answer, took) = await AskAsync(http, body);
                    var totals = answer["totals"]!;
                    var (count, before, after, unexplained) = ((int)totals["calls"]!, (long)totals["billedBefore"]!, (long)totals["billedAfter"]!, (int)totals["unexplained"]!);
                    var right = count == calls && before == billed && after == expected && unexplained == 0;
                    ok &= right && took < TimeSpan.FromSeconds(10);
                    harness.Log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"what-if {label} run {run}: {count:N0} calls, load {(long)answer["timings"]!["loadMilliseconds"]!} ms, replay {(long)answer["timings"]!["replayMilliseconds"]!} ms, total {took.TotalMilliseconds:0} ms end to end, {count / took.TotalSeconds:N0} calls/s; billed before {before} (SQL {billed}), after {after} (SQL {expected}), unexplained {unexplained}: {(right ? "right" : "WRONG")}"));
                }
            }
        }
        finally
        {
            await harness.StopInstancesAsync();
        }
        harness.Log.WriteLine(ok ? "every what-if right and under 10 s" : "a what-if was wrong or took 10 s or more");
        return ok;
    }
}
