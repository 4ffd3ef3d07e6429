using System.Collections.Immutable;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using PhoneSupport.Data;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Platform;

using static PhoneSupport.Features.Platform.Statements;

namespace PhoneSupport.Features.Voice;

/// <summary>
/// The read half of a webhook (decision 017): the call's row and every fact the step's <see cref="FactPlan"/> names, as one
/// batch of statements in one round trip, opening the transaction the write half commits. The account snapshots are found
/// through the call's row and the look-ups in the same batch (their ids are not known before it); the technician pool is
/// the provider's free technicians with the one holding the call and who waits ahead by priority.
/// </summary>
public sealed class CallStepReader(PhoneSupportDb db, PolicyCatalog policies, IOptions<Routing.RoutingOptions> routing)
{
    private const string CallColumns = """
        call_sid, provider, flow_id, from_number, to_number, step, attempt, language, sequence, vars::text, phase, twilio_status, account_id,
        started_at, updated_at, ended_at, duration_seconds, version, entitlement::text, caller_hung_up, reported_at
        """;

    /// <summary>
    /// What the batch read: the call (null: none yet), the facts, and the transaction — opened here (<paramref name="Owned"/>),
    /// or the caller's own when the webhook runs inside one (a transfer's fallback): the step then saves under a savepoint.
    /// </summary>
    public sealed record Read(CallRecord? Call, Facts Facts, NpgsqlTransaction Transaction, bool Owned)
    {
        /// <summary>The context's savepoint setting before the step turned it off (restored when the step is done).</summary>
        public bool SavepointsWere { get; init; } = true;
    }

    /// <summary>
    /// Opens the context's connection and a transaction (Npgsql sends BEGIN with the batch: no round trip of its own), and
    /// reads. <paramref name="callSid"/>'s row is read unless <paramref name="withCall"/> is false (a new call).
    /// </summary>
    public async Task<Read> ReadAsync(string callSid, FactPlan plan, string provider, Instant now, bool withCall, CancellationToken ct, int attempt = 1)
    {
        await db.Database.OpenConnectionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var ambient = db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction;
        var transaction = ambient ?? await connection.BeginTransactionAsync(ct);
        if (ambient is null) db.Database.UseTransaction(transaction);
        // A failed write rolls the whole step back and takes it again: savepoints around EF Core's saves would be round trips for nothing.
        var savepoints = db.Database.AutoSavepointsEnabled;
        db.Database.AutoSavepointsEnabled = false;
        var (call, answers) = await BatchAsync(transaction, callSid, plan, provider, now, withCall, ct);
        var facts = new Facts(call?.StartedAt ?? now, now, [.. Enumerable.Range(0, Facts.IdsPerStep).Select(_ => Guid.CreateVersion7())]) { Attempt = attempt };
        foreach (var (request, answer) in answers) facts.With(request, answer);
        return new Read(call, facts, transaction, Owned: ambient is null) { SavepointsWere = savepoints };
    }

    /// <summary>A fact the plan did not foresee, read in the same transaction (one more round trip).</summary>
    public Task LoadAsync(Read read, FactRequest request, string callSid, CancellationToken ct) =>
        LoadAsync(read, new FactPlan([request], false, false, request is FactRequest.TechnicianPool), callSid, ct,
            request is FactRequest.TechnicianPool pool ? pool.Provider : null);

    /// <summary>Facts planned once the call was read (its webhook's URL did not say the step), in the same transaction.</summary>
    public async Task LoadAsync(Read read, FactPlan plan, string callSid, CancellationToken ct, string? provider = null)
    {
        var (_, answers) = await BatchAsync(read.Transaction, callSid, plan, provider ?? read.Call?.Provider ?? "", read.Facts.Now, false, ct, read.Call);
        foreach (var (r, answer) in answers) read.Facts.With(r, answer);
    }

    private async Task<(CallRecord? Call, List<(FactRequest Request, object Answer)> Answers)> BatchAsync(NpgsqlTransaction transaction, string callSid, FactPlan plan,
        string provider, Instant now, bool withCall, CancellationToken ct, CallRecord? known = null)
    {
        var connection = transaction.Connection!;
        var answers = new List<(FactRequest Request, object Answer)>();
        var batch = new NpgsqlBatch(connection, transaction);
        var readers = new List<Func<NpgsqlDataReader, CancellationToken, Task>>();
        CallRecord? call = null;
        var policyRequests = new List<FactRequest.CallPolicy>();

        if (withCall)
        {
            batch.BatchCommands.Add(Command($"select {CallColumns} from calls where call_sid = $1", Text(callSid)));
            readers.Add(async (r, c) =>
            {
                if (await r.ReadAsync(c)) call = Call(r);
            });
        }
        foreach (var request in plan.Reads)
            switch (request)
            {
                case FactRequest.CallPolicy p:
                    policyRequests.Add(p); // answered once the call's row is read: the version effective at its answered instant
                    break;
                case FactRequest.IdentificationLocked l when policies.For(l.Provider)?.Identification is { } rules && l.CallerNumber.Length > 0:
                    batch.BatchCommands.Add(Command("""
                        select at from identification_failures where provider = $1 and caller_number = $2 and at > $3 order by at
                        """, Text(l.Provider), Text(l.CallerNumber), At(rules.Reach(now))));
                    readers.Add(async (r, c) =>
                    {
                        var failures = new List<Instant>();
                        while (await r.ReadAsync(c)) failures.Add(r.GetFieldValue<Instant>(0));
                        answers.Add((l, new LockoutFact(rules.IsLocked(failures, now), failures.Count)));
                    });
                    break;
                case FactRequest.IdentificationLocked l:
                    answers.Add((l, new LockoutFact(false, 0)));
                    break;
                case FactRequest.AccountByContractNumber or FactRequest.AccountByNumber or FactRequest.AccountsByPhone or FactRequest.AccountsByUserName:
                    var (sql, parameters) = Lookup(request);
                    batch.BatchCommands.Add(Command(sql, parameters));
                    readers.Add(async (r, c) =>
                    {
                        var found = new List<AccountFact>();
                        while (await r.ReadAsync(c))
                            found.Add(new AccountFact(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null
                                : new ContractFact(r.GetGuid(4), r.GetString(5), r.GetFieldValue<LocalDate>(6), r.GetFieldValue<LocalDate>(7))));
                        // A user name heard without an exact match may still match closely: that look-up is the fallback's (FactsLoader).
                        if (found.Count > 0 || request is not FactRequest.AccountsByUserName) answers.Add((request, found));
                    });
                    break;
            }

        var targets = new List<string>();
        var p2 = new List<NpgsqlParameter> { Text(callSid), At(now) };
        if (plan.AccountOfCall)
            targets.Add("select account_id, nullif(vars ->> 'contractId', '')::uuid from calls where call_sid = $1 and account_id is not null");
        foreach (var direct in plan.Reads.OfType<FactRequest.AccountSnapshot>())
        {
            targets.Add($"select ${p2.Count + 1}::uuid, ${p2.Count + 2}::uuid");
            p2.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = direct.AccountId });
            p2.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = direct.ContractId is { } c ? c : DBNull.Value });
        }
        if (plan.AccountsMatched)
            foreach (var request in plan.Reads)
            {
                if (request is not (FactRequest.AccountByContractNumber or FactRequest.AccountByNumber or FactRequest.AccountsByPhone or FactRequest.AccountsByUserName)) continue;
                var (sql, parameters) = Lookup(request, firstParameter: p2.Count + 1);
                targets.Add($"select m.account_id, m.contract_id from ({sql}) m");
                p2.AddRange(parameters);
            }
        if (targets.Count > 0)
        {
            batch.BatchCommands.Add(Command($"""
                with targets(account_id, contract_id) as ({string.Join(" union ", targets)}),
                     started as (select coalesce((select started_at from calls where call_sid = $1), $2) as at)
                select t.account_id, t.contract_id, a.membership, a.tam_technician_id, a.stripe_customer_id is not null,
                       k.id, k.contract_number, k.starts_on, k.ends_on,
                       array(select u.contract_year_start from allowance_uses u where u.contract_id = k.id and u.status <> 'released'
                              group by u.contract_year_start order by u.contract_year_start),
                       array(select count(*) filter (where u.status = 'committed')::int from allowance_uses u where u.contract_id = k.id and u.status <> 'released'
                              group by u.contract_year_start order by u.contract_year_start),
                       array(select count(*) filter (where u.status = 'claimed')::int from allowance_uses u where u.contract_id = k.id and u.status <> 'released'
                              group by u.contract_year_start order by u.contract_year_start),
                       exists (select 1 from allowance_uses u where u.contract_id = k.id and u.call_sid = $1 and u.status <> 'released'),
                       array(select s.starts_at from exam_sessions s, started where s.account_id = t.account_id and s.starts_at <= started.at and s.ends_at > started.at order by s.starts_at),
                       array(select s.ends_at from exam_sessions s, started where s.account_id = t.account_id and s.starts_at <= started.at and s.ends_at > started.at order by s.starts_at)
                  from targets t
                  join accounts a on a.id = t.account_id
                  left join contracts k on k.id = t.contract_id and k.account_id = t.account_id
                """, [.. p2]));
            readers.Add(async (r, c) =>
            {
                while (await r.ReadAsync(c))
                {
                    var account = r.GetGuid(0);
                    Guid? contractId = r.IsDBNull(1) ? null : r.GetGuid(1);
                    ContractSnapshot? contract = null;
                    if (!r.IsDBNull(5))
                    {
                        var years = r.GetFieldValue<Instant[]>(9);
                        var committed = r.GetFieldValue<int[]>(10);
                        var claimed = r.GetFieldValue<int[]>(11);
                        contract = new ContractSnapshot(r.GetGuid(5), r.GetString(6), r.GetFieldValue<LocalDate>(7), r.GetFieldValue<LocalDate>(8),
                            [.. years.Select((y, i) => new AllowanceUseCount(y, committed[i], claimed[i]))], r.GetBoolean(12));
                    }
                    var starts = r.GetFieldValue<Instant[]>(13);
                    var ends = r.GetFieldValue<Instant[]>(14);
                    answers.Add((new FactRequest.AccountSnapshot(account, contractId), new AccountSnapshotFact(account, r.GetString(2), r.IsDBNull(3) ? null : r.GetGuid(3),
                        r.GetBoolean(4), contract, [.. starts.Select((s, i) => new Interval(s, ends[i]))])));
                }
            });
        }

        if (plan.Pool)
        {
            var options = routing.Value;
            var wrapUpBefore = now - Duration.FromTimeSpan(options.WrapUp);
            var soon = now + Duration.FromTimeSpan(options.PriorityLookahead);
            // The free-technician rule is TechnicianRouter.ReserveAsync's; the reservation's update checks it again.
            batch.BatchCommands.Add(Command("""
                select t.id, t.name, t.phone_number, t.skills, t.languages,
                       exists (select 1 from technician_on_call oc where oc.technician_id = t.id and oc.starts_at <= $3 and oc.ends_at > $3),
                       t.status_since, t.version, t.reserved_call_sid is not distinct from $2,
                       t.active and $1 = any (t.providers)
                         and (t.status = 'available' or (t.status = 'wrapUp' and t.status_since <= $4) or (t.status = 'reserved' and t.reserved_until < $3))
                  from technicians t
                 where t.reserved_call_sid = $2
                    or (t.active and $1 = any (t.providers)
                        and (t.status = 'available' or (t.status = 'wrapUp' and t.status_since <= $4) or (t.status = 'reserved' and t.reserved_until < $3)))
                """, Text(provider), Text(callSid), At(now), At(wrapUpBefore)));
            var free = new List<PoolTechnician>();
            PoolTechnician? held = null;
            readers.Add(async (r, c) =>
            {
                while (await r.ReadAsync(c))
                {
                    var technician = new PoolTechnician(r.GetGuid(0), r.GetString(1), r.GetString(2), [.. r.GetFieldValue<string[]>(3)], [.. r.GetFieldValue<string[]>(4)],
                        r.GetBoolean(5), r.GetFieldValue<Instant>(6), r.GetInt32(7));
                    if (r.GetBoolean(8)) held = technician;
                    if (r.GetBoolean(9)) free.Add(technician);
                }
            });
            batch.BatchCommands.Add(Command("""
                select w.priority, count(*)::int from (
                    select q.priority from queue_entries q where q.status = 'waiting' and q.provider = $1 and q.call_sid <> $2
                    union all
                    select b.priority from callbacks b
                     where b.provider = $1
                       and ((b.status = 'scheduled' and b.not_before <= $3 and b.next_attempt_at <= $4)
                            or (b.status = 'dialing' and b.dial_started_at is null
                                and not exists (select 1 from technicians h where h.reserved_call_sid = 'cb-' || replace(b.id::text, '-', ''))))) w
                 group by w.priority
                """, Text(provider), Text(callSid), At(now), At(soon)));
            readers.Add(async (r, c) =>
            {
                var waiting = new List<WaitingCount>();
                while (await r.ReadAsync(c)) waiting.Add(new WaitingCount(r.GetInt32(0), r.GetInt32(1)));
                answers.Add((new FactRequest.TechnicianPool(provider, callSid), new TechnicianPoolFact(free, held, waiting, options.MaxTechniciansPerCall)));
            });
        }

        if (batch.BatchCommands.Count > 0)
        {
            DatabaseRoundTrips.RoundTrip();
            await using var reader = await batch.ExecuteReaderAsync(ct);
            for (var i = 0; i < readers.Count; i++)
            {
                if (i > 0) await reader.NextResultAsync(ct);
                await readers[i](reader, ct);
            }
        }
        foreach (var p in policyRequests)
            if (PolicyOf(p.Provider, call ?? known, now) is { } policy) answers.Add((p, CallPolicyFact.Of(policy)));
        return (call, answers);
    }

    /// <summary>
    /// The policy version that decides a call (decision 018): the one its session recorded once decided, else the one
    /// effective at its answered instant (a new call: now).
    /// </summary>
    private SupportPolicy? PolicyOf(string provider, CallRecord? call, Instant now)
    {
        if (call is null || call.Provider != provider) return policies.At(provider, now);
        using var vars = System.Text.Json.JsonDocument.Parse(call.Vars);
        var recorded = vars.RootElement.TryGetProperty("policyVersion", out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;
        return policies.Decided(provider, recorded, call.StartedAt);
    }

    /// <summary>A look-up's statement: account (and contract) columns of at most two active accounts.</summary>
    private static (string Sql, NpgsqlParameter[] Parameters) Lookup(FactRequest request, int firstParameter = 1)
    {
        var (a, b) = ($"${firstParameter}", $"${firstParameter + 1}");
        const string Columns = "a.id as account_id, a.name, a.membership, a.account_number";
        return request switch
        {
            FactRequest.AccountByContractNumber r => ($"""
                select {Columns}, c.id as contract_id, c.contract_number, c.starts_on, c.ends_on
                  from contracts c join accounts a on a.id = c.account_id where c.contract_number = {a} and a.active
                """, [Text(r.ContractNumber.Value)]),
            FactRequest.AccountByNumber r => ($"""
                select {Columns}, null::uuid as contract_id, null::text, null::date, null::date
                  from accounts a where a.provider = {a} and a.account_number = {b} and a.active order by a.id limit 2
                """, [Text(r.Provider), Text(r.AccountNumber)]),
            FactRequest.AccountsByPhone r => ($"""
                select {Columns}, null::uuid as contract_id, null::text, null::date, null::date
                  from accounts a where a.active and exists (select 1 from account_phone_numbers p where p.account_id = a.id and p.provider = {a} and p.phone_number = {b})
                 order by a.id limit 2
                """, [Text(r.Provider), Text(r.PhoneNumber)]),
            FactRequest.AccountsByUserName r => ($"""
                select {Columns}, null::uuid as contract_id, null::text, null::date, null::date
                  from accounts a where a.active and exists (select 1 from account_user_names u where u.account_id = a.id and u.provider = {a} and u.normalized = {b})
                 order by a.id limit 2
                """, [Text(r.Provider), Text(r.NormalizedName)]),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.GetType().Name, "Not a look-up."),
        };
    }

    private static CallRecord Call(NpgsqlDataReader r) => CallRecord.Read(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetInt32(6), r.GetString(7), r.GetInt32(8),
        r.GetString(9), r.GetString(10), r.IsDBNull(11) ? null : r.GetString(11), r.IsDBNull(12) ? null : r.GetGuid(12), r.GetFieldValue<Instant>(13),
        r.GetFieldValue<Instant>(14), r.IsDBNull(15) ? null : r.GetFieldValue<Instant>(15), r.IsDBNull(16) ? null : r.GetInt32(16), r.GetInt32(17),
        r.IsDBNull(18) ? null : r.GetString(18), r.IsDBNull(19) ? null : r.GetBoolean(19), r.IsDBNull(20) ? null : r.GetFieldValue<Instant>(20));
}
