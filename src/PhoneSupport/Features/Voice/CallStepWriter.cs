using System.Text.Json;
using Microsoft.Extensions.Options;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using PhoneSupport.Data;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Features.Platform;
using static PhoneSupport.Features.Platform.Statements;

namespace PhoneSupport.Features.Voice;

/// <summary>
/// The write half of a webhook (decision 017): the call's new state, its log entries and the step's effects as one batch of
/// statements ending in <c>COMMIT</c>, one round trip, in the transaction <see cref="CallStepReader"/> opened. Each effect
/// re-checks what the step assumed (a technician of the step's candidates still free, an included incident still left under
/// the contract's lock, the caller number's failures unchanged under its lock, the call not advanced since it was read)
/// through <c>ps_expect</c> (migration 0027): a premise that no longer holds fails the batch, nothing of it stays, and the
/// caller takes the step again on fresh facts.
/// </summary>
public sealed class CallStepWriter(IOptions<Routing.RoutingOptions> routing)
{
    /// <summary>How the batch ended, and the technician the reservation took (null: none in this step).</summary>
    public sealed record Written(Outcome Outcome, TechnicianFact? Reserved)
    {
        /// <summary>Which premise failed (the database's message), for the log.</summary>
        public string? Why { get; init; }
    }

    /// <summary>How the batch ended.</summary>
    public enum Outcome
    {
        Saved,

        /// <summary>Another instance advanced the call first (a duplicate webhook): answer as it stands now.</summary>
        CallMoved,

        /// <summary>A premise of an effect no longer held (a technician taken, the last included incident claimed, a failure recorded): step again.</summary>
        Conflict,
    }

    /// <summary>
    /// Writes and commits. <paramref name="readVersion"/> is the call's version when read (null: a new call, inserted).
    /// Effects their own features carry out in the same transaction before the batch (<see cref="Effect.StoreMessage"/>,
    /// <see cref="Effect.RecordPurchase"/>) are skipped here.
    /// </summary>
    /// <param name="owned">Whether the transaction is the step's own (committed here) or its caller's (the batch runs under a savepoint).</param>
    public async Task<Written> WriteAsync(NpgsqlTransaction transaction, bool owned, CallRecord call, int? readVersion, IReadOnlyList<CallEventRecord> events,
        IReadOnlyList<Effect> effects, Instant now, CancellationToken ct)
    {
        var batch = new NpgsqlBatch(transaction.Connection, transaction);
        var commands = batch.BatchCommands;
        var sid = call.CallSid;
        if (!owned) commands.Add(new NpgsqlBatchCommand("savepoint ps_step"));

        // The caller number's lock first: every statement after it sees the failures committed before it was granted.
        foreach (var e in effects)
            switch (e)
            {
                case Effect.ExpectIdentificationFailures { Since: { } since } x when x.Number.Value.Length > 0:
                    commands.Add(Command("select pg_advisory_xact_lock(hashtextextended($1, 0))", Text(x.Provider + ":" + x.Number.Value)));
                    commands.Add(FailuresUnchanged(x.Provider, x.Number.Value, x.FailuresSeen, since));
                    break;
                case Effect.RecordIdentificationFailure { Since: { } since } x when x.Number.Value.Length > 0:
                    commands.Add(Command("select pg_advisory_xact_lock(hashtextextended($1, 0))", Text(x.Provider + ":" + x.Number.Value)));
                    commands.Add(FailuresUnchanged(x.Provider, x.Number.Value, x.FailuresSeen, since));
                    break;
            }

        // A new call's row first (its queue entry and SLA record refer to it); an update after the effects, so that it can take
        // the technician the reservation found free (when the one the step chose was taken meanwhile).
        var reservation = effects.OfType<Effect.ReserveTechnician>().FirstOrDefault();
        if (readVersion is null) commands.Add(InsertCall(call));

        var options = routing.Value;
        foreach (var e in effects)
            switch (e)
            {
                case Effect.ReleaseTechnician r:
                    commands.Add(Routing.TechnicianRouter.TransitionCommand(r.TechnicianId, r.Key.Text, Routing.TechnicianStatus.Available, keepCall: false, r.Why, now));
                    break;
                case Effect.FinishTechnician f:
                    commands.Add(Routing.TechnicianRouter.TransitionCommand(f.TechnicianId, f.Key.Text, Routing.TechnicianStatus.WrapUp, keepCall: false, "finished", now));
                    break;
                case Effect.ReserveTechnician r:
                    // The first candidate still free, skipping one a parallel step holds locked: parallel callers that chose the
                    // same technician each get the next one instead of taking the step again. Free is the premise, not the version
                    // read: a candidate that finished its wrap-up meanwhile is as good as it was.
                    commands.Add(Command("""
                        with candidate as (
                            select c.id, c.n from unnest($2::uuid[]) with ordinality as c(id, n)),
                        pick as (
                            select t.id from technicians t join candidate c on c.id = t.id
                             where t.active
                               and (t.status = 'available' or (t.status = 'wrapUp' and t.status_since <= $5) or (t.status = 'reserved' and t.reserved_until < $3))
                             order by c.n limit 1
                               for update of t skip locked),
                        updated as (
                            update technicians t
                               set status = 'reserved', status_since = $3, reserved_call_sid = $1, reserved_until = $4, version = t.version + 1
                              from pick where t.id = pick.id
                            returning t.id, t.name, t.phone_number),
                        logged as (
                            insert into technician_events (technician_id, at, kind, data)
                            select id, $3, 'reserved', jsonb_build_object('callSid', $1::text, 'tam', id = $6::uuid) from updated)
                        select ps_expect(exists (select 1 from updated), 'a technician chosen still free') as reserved_ok,
                               (select id from updated) as reserved_id, (select name from updated) as reserved_name,
                               (select phone_number from updated) as reserved_phone,
                               set_config('ps.reserved', coalesce((select id::text from updated), ''), true) as reserved_setting
                        """, Text(r.Key.Text), new NpgsqlParameter<Guid[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, TypedValue = [.. r.Candidates.Select(c => c.TechnicianId)] },
                        At(now), At(now + Duration.FromTimeSpan(options.ReservationTimeout)), At(now - Duration.FromTimeSpan(options.WrapUp)), Uuid(r.Tam)));
                    break;
                case Effect.WakeCallbacksAhead w:
                    commands.Add(Command("""
                        update callbacks b set next_attempt_at = $3
                         where b.status = 'scheduled' and b.provider = $1 and b.priority < $2
                           and b.not_before <= $3 and b.next_attempt_at > $3 and b.next_attempt_at <= $4
                        """, Text(w.Provider), Int(w.Priority), At(now), At(now + Duration.FromTimeSpan(options.PriorityLookahead))));
                    break;
                case Effect.ClaimIncluded c:
                    foreach (var command in Entitlements.AllowanceLedger.ClaimCommands(c, now)) commands.Add(command);
                    break;
                case Effect.Enqueue q:
                    commands.Add(Command("""
                        insert into queue_entries (call_sid, provider, priority, severity, on_call_only, enqueued_at, status, technician_id, callback_offered_at, updated_at)
                        values ($1, $2, $3, $4, $5, $6, 'waiting', null, null, $6)
                        on conflict (call_sid) do update set status = 'waiting', technician_id = null, updated_at = $6 where queue_entries.status <> 'waiting'
                        """, Text(q.Call.Value), Text(q.Provider), Int(q.Priority), Int(q.Severity), new NpgsqlParameter<bool> { TypedValue = q.OnCallOnly }, At(now)));
                    break;
                case Effect.MarkQueue m:
                    commands.Add(Command("""
                        update queue_entries set status = $2, updated_at = $3 where call_sid = $1 and status <> 'connected' and status <> $2
                        """, Text(m.Call.Value), Text(m.Status), At(now)));
                    break;
                case Effect.ScheduleCallback b:
                    commands.Add(Callback(b, now));
                    break;
                case Effect.RecordIdentificationFailure f:
                    commands.Add(Command("insert into identification_failures (provider, caller_number, call_sid, at) values ($1, $2, $3, $4)",
                        Text(f.Provider), Text(f.Number.Value), Text(f.Call.Value), At(now)));
                    break;
                case Effect.RecordLeg leg:
                    // The bridged leg towards the caller's incident (opened now if it is the first).
                    commands.Add(Billing.IncidentService.RecordLegCommand(leg.Call.Value, leg.LegSid, leg.Seconds, "dial", now));
                    break;
                case Effect.RecordSlaDecision s:
                    commands.Add(Command("""
                        insert into sla_records (call_sid, provider, account_id, plan, severity, target, clock, started_at, due_at, policy_version, updated_at)
                        values ($1, $2, $3, $4, $5, $6, $7, (select started_at from calls where call_sid = $1), $8, $9, $10)
                        on conflict (call_sid) do update
                           set plan = excluded.plan, severity = excluded.severity, target = excluded.target, clock = excluded.clock,
                               due_at = excluded.due_at, policy_version = excluded.policy_version, updated_at = excluded.updated_at
                         where sla_records.first_contact_at is null
                        """, Text(s.Call.Value), Text(s.Provider), Uuid(s.AccountId), Text(s.Plan), Int(s.Severity), Text(s.Target), Text(s.Clock), At(s.DueAt),
                        Text(s.PolicyVersion), At(now)));
                    break;
            }

        if (readVersion is { } version) commands.Add(UpdateCall(call, version, reservation?.TechnicianId));
        // The routing entry names the technician reserved (the chosen one, or the next free when it was taken meanwhile).
        if (events.Count > 0)
            commands.Add(Command("""
                insert into call_events (call_sid, at, kind, data, dedupe_key)
                select $1, $2, e.kind,
                       case when e.kind = 'routing' and $6::text is not null and e.data::jsonb ->> 'technicianId' = $6::text
                            then jsonb_set(e.data::jsonb, '{technicianId}', to_jsonb(coalesce(nullif(current_setting('ps.reserved', true), ''), $6::text)))
                            else e.data::jsonb end,
                       e.dedupe_key
                  from unnest($3::text[], $4::text[], $5::text[]) with ordinality as e(kind, data, dedupe_key, n)
                 order by e.n
                """, Text(sid), At(events[0].At), Texts(events.Select(x => (string?)x.Kind)), Texts(events.Select(x => (string?)x.Data)),
                Texts(events.Select(x => x.DedupeKey)), Text(reservation?.TechnicianId.ToString())));
        commands.Add(new NpgsqlBatchCommand(owned ? "commit" : "release savepoint ps_step"));

        try
        {
            DatabaseRoundTrips.RoundTrip();
            TechnicianFact? reserved = null;
            await using (var reader = await batch.ExecuteReaderAsync(ct))
            {
                do
                {
                    if (reader.FieldCount > 1 && reader.GetName(1) == "reserved_id" && await reader.ReadAsync(ct) && !reader.IsDBNull(1))
                        reserved = new TechnicianFact(reader.GetGuid(1), reader.GetString(2), reader.GetString(3));
                } while (await reader.NextResultAsync(ct));
            }
            return new Written(Outcome.Saved, reserved);
        }
        catch (PostgresException e) when (e.SqlState is "PS409" or PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.InFailedSqlTransaction)
        {
            DatabaseRoundTrips.RoundTrip();
            if (owned) await transaction.RollbackAsync(CancellationToken.None);
            else
            {
                await using var undo = new NpgsqlCommand("rollback to savepoint ps_step", transaction.Connection, transaction);
                await undo.ExecuteNonQueryAsync(CancellationToken.None);
            }
            return new Written(e.SqlState == "PS409" && e.MessageText.Contains("the call unchanged", StringComparison.Ordinal) || e.ConstraintName == "calls_pkey"
                ? Outcome.CallMoved : Outcome.Conflict, null) { Why = e.MessageText };
        }
    }

    private static NpgsqlBatchCommand FailuresUnchanged(string provider, string number, int seen, Instant since) => Command("""
        select ps_expect((select count(*) from identification_failures where provider = $1 and caller_number = $2 and at > $3) = $4,
                         'the caller number''s identification failures unchanged')
        """, Text(provider), Text(number), At(since), Int(seen));

    /// <param name="chosen">The technician the step reserved, if it did: <c>reservedTechnician</c> becomes the one the batch took.</param>
    private static NpgsqlBatchCommand UpdateCall(CallRecord call, int readVersion, Guid? chosen) => Command("""
        with updated as (
            update calls
               set step = $2, attempt = $3, language = $4, sequence = $5, phase = $7, account_id = $8, updated_at = $9,
                   vars = case when $12::text is null then $6::jsonb
                               else jsonb_set($6::jsonb, '{reservedTechnician}', to_jsonb(coalesce(nullif(current_setting('ps.reserved', true), ''), $12::text))) end,
                   version = version + 1, entitlement = $10::jsonb
             where call_sid = $1 and version = $11
            returning 1)
        select ps_expect(exists (select 1 from updated), 'the call unchanged since it was read')
        """, Text(call.CallSid), Text(call.Step), Int(call.Attempt), Text(call.Language), Int(call.Sequence), Text(call.Vars), Text(call.Phase.ToString()),
        Uuid(call.AccountId), At(call.UpdatedAt), Text(call.Entitlement), Int(readVersion), Text(chosen?.ToString()));

    private static NpgsqlBatchCommand InsertCall(CallRecord call) => Command(CallStartWriter.Call, CallStartWriter.CallParameters(call));

    /// <summary>One promise per call: a callback already kept for it (a repeated webhook) stays as it is.</summary>
    internal static NpgsqlBatchCommand Callback(Effect.ScheduleCallback b, Instant now) => Command("""
        insert into callbacks (id, provider, account_id, call_sid, phone_number, reason, priority, due_at, not_before, coverage_only,
                               status, attempts, next_attempt_at, at_risk, created_at, updated_at, version, skill)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'scheduled', 0, $9, false, $11, $11, 0, $12)
        on conflict (call_sid) where status <> 'cancelled' do nothing
        """, Uuid(b.Id), Text(b.Provider), Uuid(b.AccountId), Text(b.Call.Value), Text(b.Number.Value), Text(b.Reason), Int(b.Priority), At(b.DueAt),
        At(b.NotBefore), new NpgsqlParameter<bool> { TypedValue = b.CoverageOnly }, At(now), Text(b.Skill));

    private static NpgsqlParameter Texts(IEnumerable<string?> values) => new NpgsqlParameter<string?[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = [.. values] };
}
