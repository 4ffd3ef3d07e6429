using System.Globalization;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Features.WhatIf;

/// <summary>The facts of a period's calls (in answered order), the included incidents used before it, and the accounts' names.</summary>
public sealed record WhatIfFactSet(
    IReadOnlyList<WhatIfCall> Calls, IReadOnlyDictionary<(Guid Contract, Instant YearStart), int> PriorUses, IReadOnlyDictionary<Guid, string> AccountNames,
    int Skipped);

/// <summary>
/// Reads what the engine saw and what followed for every decided call of a provider answered in [from, to), set-based: one
/// batch of three statements (one round trip), streamed into the domain's input — the calls with their account, contract,
/// incident, charges, allowance use, purchase and SLA record; the exam sessions of the period; the included incidents each
/// contract year had used before it. A call that never reached a decision (hung up in a menu) is not replayed.
/// </summary>
public sealed class WhatIfFacts(PhoneSupportDb db)
{
    /// <summary>
    /// The calls' statement: the period's calls by <c>calls_started_at</c>, reduced at once to the few fields read from their JSON
    /// (narrow rows to join and sort), then each table joined by the call (or its incident) — through <c>incident_legs_call</c>
    /// (migration 0029) for the legs — and aggregated once per table, not per row.
    /// </summary>
    public const string CallsSql = """
        with p as materialized (
            select c.call_sid, c.started_at, c.account_id, nullif(c.vars ->> 'membership', '') as membership, c.vars ? 'skill' as sales,
                   c.vars ->> 'severity' as severity, case when c.vars ->> 'contractId' ~ '^[0-9a-f-]{36}$' then (c.vars ->> 'contractId')::uuid end as contract_id,
                   c.entitlement ->> 'window' as win, c.entitlement ->> 'decision' as decision, coalesce(c.entitlement ->> 'policyVersion', '') as version
              from calls c
             where c.provider = $1 and c.started_at >= $2 and c.started_at < $3 and c.entitlement is not null),
        owned as (
            select i.id, i.call_sid, i.talk_seconds from incidents i join p on p.call_sid = i.call_sid where i.status = 'closed'),
        billed as (
            select o.id, (sum(x.amount) filter (where x.status <> 'waived'))::bigint as billed, sum(x.amount)::bigint as charged
              from charges x join owned o on o.id = x.incident_id group by o.id),
        legs as (
            select g.call_sid, min(g.at - make_interval(secs => g.seconds)) as first_leg
              from incident_legs g join p on p.call_sid = g.call_sid group by g.call_sid),
        used as (
            select distinct u.call_sid from allowance_uses u join p on p.call_sid = u.call_sid where u.status <> 'released')
        select p.call_sid, p.started_at, p.account_id, coalesce(p.membership, a.membership, ''), p.sales,
               p.severity, k.id, k.contract_number, k.starts_on, k.ends_on, p.win, p.decision, p.version,
               o.talk_seconds, coalesce(b.billed, 0), coalesce(b.charged, 0), used.call_sid is not null,
               pu.minutes, s.due_at, coalesce(s.first_contact_at, l.first_leg), l.first_leg is not null, a.name
          from p
          left join accounts a on a.id = p.account_id
          left join contracts k on k.id = p.contract_id
          left join owned o on o.call_sid = p.call_sid
          left join billed b on b.id = o.id
          left join legs l on l.call_sid = p.call_sid
          left join used on used.call_sid = p.call_sid
          left join purchases pu on pu.call_sid = p.call_sid
          left join sla_records s on s.call_sid = p.call_sid
         order by p.started_at, p.call_sid
        """;

    private const string SessionsSql = """
        select e.account_id, e.starts_at, e.ends_at
          from exam_sessions e join accounts a on a.id = e.account_id
         where a.provider = $1 and e.ends_at > $2 and e.starts_at < $3
        """;

    // Included incidents used in a contract year that the period reaches, by calls answered before it (or not recorded as calls).
    private const string PriorSql = """
        select u.contract_id, u.contract_year_start, count(*)::int
          from allowance_uses u
          join contracts k on k.id = u.contract_id
          join accounts a on a.id = k.account_id
          left join calls c on c.call_sid = u.call_sid
         where a.provider = $1 and u.status <> 'released' and u.contract_year_start < $3 and u.contract_year_start > $2 - interval '367 days'
           and (c.call_sid is null or c.started_at < $2)
         group by u.contract_id, u.contract_year_start
        """;

    public async Task<WhatIfFactSet> LoadAsync(string provider, Instant from, Instant to, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var batch = new NpgsqlBatch(connection);
            foreach (var sql in new[] { SessionsSql, PriorSql, CallsSql })
            {
                var command = new NpgsqlBatchCommand(sql);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = provider });
                command.Parameters.Add(new NpgsqlParameter<Instant> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = from });
                command.Parameters.Add(new NpgsqlParameter<Instant> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = to });
                batch.BatchCommands.Add(command);
            }
            Platform.DatabaseRoundTrips.RoundTrip();
            await using var reader = await batch.ExecuteReaderAsync(ct);

            var sessions = new Dictionary<Guid, List<Interval>>();
            while (await reader.ReadAsync(ct))
            {
                var account = reader.GetGuid(0);
                if (!sessions.TryGetValue(account, out var list)) sessions[account] = list = [];
                list.Add(new Interval(reader.GetFieldValue<Instant>(1), reader.GetFieldValue<Instant>(2)));
            }
            await reader.NextResultAsync(ct);
            var prior = new Dictionary<(Guid, Instant), int>();
            while (await reader.ReadAsync(ct))
                prior[(reader.GetGuid(0), reader.GetFieldValue<Instant>(1))] = reader.GetInt32(2);
            await reader.NextResultAsync(ct);

            var calls = new List<WhatIfCall>();
            var names = new Dictionary<Guid, string>();
            var contracts = new Dictionary<Guid, WhatIfContract>();
            var skipped = 0;
            while (await reader.ReadAsync(ct))
            {
                if (!Domain.Policies.Windows.TryParse(reader.IsDBNull(10) ? "" : reader.GetString(10), out var window)
                    || !Enum.TryParse<Decision>(reader.IsDBNull(11) ? "" : reader.GetString(11), true, out var decision))
                {
                    skipped++;
                    continue;
                }
                Guid? accountId = reader.IsDBNull(2) ? null : reader.GetGuid(2);
                if (accountId is { } id && !reader.IsDBNull(21)) names.TryAdd(id, reader.GetString(21));
                WhatIfContract? contract = null;
                if (!reader.IsDBNull(6))
                {
                    var contractId = reader.GetGuid(6);
                    if (!contracts.TryGetValue(contractId, out contract))
                        contracts[contractId] = contract = new WhatIfContract(contractId, reader.GetString(7), reader.GetFieldValue<LocalDate>(8), reader.GetFieldValue<LocalDate>(9));
                }
                calls.Add(new WhatIfCall(
                    reader.GetString(0),
                    reader.GetFieldValue<Instant>(1),
                    accountId,
                    reader.GetString(3),
                    reader.GetBoolean(4),
                    reader.IsDBNull(5) ? null : int.TryParse(reader.GetString(5), NumberStyles.None, CultureInfo.InvariantCulture, out var severity) ? severity : null,
                    contract,
                    accountId is { } a && sessions.TryGetValue(a, out var own) ? own : [],
                    reader.IsDBNull(13) ? null : reader.GetInt32(13),
                    reader.GetBoolean(20),
                    reader.IsDBNull(17) ? null : new WhatIfPurchase(reader.GetInt32(17)),
                    reader.IsDBNull(19) ? null : reader.GetFieldValue<Instant>(19),
                    new WhatIfRecorded(window, decision, reader.GetString(12), reader.GetInt64(14), reader.GetInt64(15), reader.GetBoolean(16),
                        reader.IsDBNull(18) ? null : reader.GetFieldValue<Instant>(18))));
            }
            return new WhatIfFactSet(calls, prior, names, skipped);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
