using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using PhoneSupport.Data;
using PhoneSupport.Domain.Billing;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Entitlements;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// Turns connected calls into incidents: a bridged technician leg opens the incident of its call (or adds to
/// it; a leg's Twilio sid counts once, so repeated callbacks change nothing); a call a technician attached counts
/// towards the incident it was attached to. When every call of the incident has ended and no callback is pending, the
/// incident closes, its claimed allowance is committed (exactly once: a conditional update) and its billable parts
/// become charges, with their "post to Stripe" job in the same transaction (the outbox). Talk time added later
/// re-prices what has not started posting, and adds an adjustment charge for what has.
/// </summary>
public sealed class IncidentService(PhoneSupportDb db, AllowanceLedger ledger, PolicyCatalog policies, IOptions<BillingOptions> options, IClock clock,
    ILogger<IncidentService> logger, Audit.AuditLog audit)
{
    /// <summary>Why a billable part without a recorded consent was never charged (the charge's waived reason).</summary>
    public const string NoConsent = IncidentClosing.NoConsent;

    /// <summary>
    /// Records a bridged technician leg towards the call's incident (opening it at the first) — <see cref="RecordLegCommand"/>, one
    /// statement, in the caller's transaction if it has one. A parallel request that opened the incident first: recorded again on it.
    /// </summary>
    public async Task RecordLegAsync(string callSid, string legSid, int seconds, string source, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var transaction = db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction;
                var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(), transaction);
                if (transaction is not null) batch.BatchCommands.Add(new NpgsqlBatchCommand("savepoint ps_leg"));
                batch.BatchCommands.Add(RecordLegCommand(callSid, legSid, seconds, source, clock.GetCurrentInstant()));
                if (transaction is not null) batch.BatchCommands.Add(new NpgsqlBatchCommand("release savepoint ps_leg"));
                try
                {
                    Platform.DatabaseRoundTrips.RoundTrip();
                    await batch.ExecuteNonQueryAsync(ct);
                    return;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && attempt < 3)
                {
                    if (transaction is null) continue;
                    await using var undo = new NpgsqlCommand("rollback to savepoint ps_leg", (NpgsqlConnection)db.Database.GetDbConnection(), transaction);
                    await undo.ExecuteNonQueryAsync(ct);
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// A bridged leg towards the call's incident, as one statement (also the dial action's, in the IVR step's batch). A leg's
    /// Twilio sid counts once: known already, only the dial action's bridged duration replaces the duration of the leg's status
    /// callback (which includes the whisper), re-opening a closed incident to be re-priced. Otherwise the leg goes to the incident
    /// the call counts towards — the one it was attached to, else its own, followed through merges (at most 8) — re-opened if
    /// closed, or to a new incident opened with the call's entitlement (decision, window, policy version) when it has none.
    /// </summary>
    /// <param name="acceptedBy">A technician's leg status: recorded only when that technician accepted the call (null: no such condition).
    /// The statement answers one row, <c>accepted</c>: whether the condition held.</param>
    public static NpgsqlBatchCommand RecordLegCommand(string callSid, string legSid, int seconds, string source, Instant now, Guid? acceptedBy = null)
    {
        var command = new NpgsqlBatchCommand("""
            with recursive
            allowed as (select $8::uuid is null or exists (select 1 from technician_events where (data ->> 'callSid') = $1 and kind = 'accepted' and technician_id = $8) as ok),
            known as (select leg_sid from incident_legs where leg_sid = $2),
            fixed as (
                update incident_legs set seconds = $3, source = $4
                 where leg_sid = $2 and source = 'legStatus' and $4 = 'dial' and seconds <> $3 and (select ok from allowed)
                returning incident_id),
            fixed_reopened as (
                update incidents set status = 'open', version = version + 1 where id in (select incident_id from fixed) and status = 'closed'),
            start as (
                select coalesce((select incident_id from incident_calls where call_sid = $1),
                                (select id from incidents where call_sid = $1 and not exists (select 1 from incident_calls where call_sid = $1))) as id),
            chain (id, merged_into, hops, status) as (
                select i.id, i.merged_into_id, 0, i.status from incidents i join start s on i.id = s.id
                union all
                select i.id, i.merged_into_id, c.hops + 1, i.status from chain c join incidents i on i.id = c.merged_into where c.hops < 8),
            found as (select id, status from chain order by hops desc limit 1),
            opened as (
                insert into incidents (id, provider, account_id, contract_id, call_sid, decision, "window", policy_version, opened_at, closed_at, talk_seconds, status, version)
                select $5, c.provider, c.account_id, nullif(c.vars ->> 'contractId', '')::uuid, c.call_sid, coalesce(c.entitlement ->> 'decision', 'liveRoute'),
                       coalesce(c.entitlement ->> 'window', 'business'), coalesce(c.entitlement ->> 'policyVersion', ''), $6, null, 0, 'open', 0
                  from calls c
                 where c.call_sid = $1 and not exists (select 1 from known) and not exists (select 1 from found) and (select ok from allowed)
                returning id),
            reopened as (
                update incidents set status = 'open', version = version + 1
                 where id in (select id from found where status = 'closed') and not exists (select 1 from known) and (select ok from allowed)),
            target as (select id from found union all select id from opened),
            recorded as (
                insert into incident_legs (leg_sid, incident_id, call_sid, seconds, source, at)
                select $2, id, $1, $3, $4, $7 from target where not exists (select 1 from known) and (select ok from allowed))
            select (select ok from allowed) as accepted
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = callSid });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = legSid });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = seconds });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = source });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() });
        command.Parameters.Add(new NpgsqlParameter<Instant> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, TypedValue = now - Duration.FromSeconds(seconds) });
        command.Parameters.Add(new NpgsqlParameter<Instant> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, TypedValue = now });
        command.Parameters.Add(Platform.Statements.Uuid(acceptedBy));
        return command;
    }

    /// <summary>
    /// Closes the call's incident when everything of it has ended (<see cref="IncidentClosing"/>): one round trip reads its facts
    /// (<see cref="IncidentCloseStatements.Facts"/>), one more writes the close — in the context's transaction if it has one
    /// (under a savepoint), else in its own, committed with it.
    /// </summary>
    public async Task CloseIfDoneAsync(string callSid, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var ambient = db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction;
        var transaction = ambient ?? await ((NpgsqlConnection)db.Database.GetDbConnection()).BeginTransactionAsync(ct);
        try
        {
            var facts = await ReadCloseFactsAsync(transaction, callSid, ct);
            await CloseAsync(transaction, callSid, facts, () => ambient is null ? [new NpgsqlBatchCommand("commit")] : [], ct);
        }
        finally
        {
            if (ambient is null) await transaction.DisposeAsync();
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The facts of the call's incident (null: it has none), in one round trip.</summary>
    public static async Task<IncidentCloseFacts?> ReadCloseFactsAsync(NpgsqlTransaction transaction, string callSid, CancellationToken ct)
    {
        var batch = new NpgsqlBatch(transaction.Connection, transaction);
        batch.BatchCommands.Add(IncidentCloseStatements.Facts(callSid));
        Platform.DatabaseRoundTrips.RoundTrip();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        return await IncidentCloseStatements.ReadAsync(reader, ct);
    }

    /// <summary>
    /// Writes the close the facts call for (none when the incident does not close now), followed by <paramref name="then"/> (what
    /// the webhook commits with it, e.g. <c>COMMIT</c>), in one round trip. When a premise of the close no longer holds (another
    /// instance closed or re-opened the incident, a charge started posting), it rolls back to before the close, reads the facts
    /// again in the same round trip, and plans again (at most three times).
    /// </summary>
    public async Task CloseAsync(NpgsqlTransaction transaction, string callSid, IncidentCloseFacts? facts, Func<IEnumerable<NpgsqlBatchCommand>> then,
        CancellationToken ct)
    {
        var connection = transaction.Connection!;
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetCurrentInstant();
            var plan = facts is null ? null
                : IncidentClosing.Plan(facts, policies.Decided(facts.Provider, facts.PolicyVersion, facts.OpenedAt), now, Duration.FromTimeSpan(options.Value.PostingDelay), Guid.CreateVersion7);
            var batch = new NpgsqlBatch(connection, transaction);
            if (plan is not null)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("savepoint ps_close"));
                foreach (var write in IncidentCloseStatements.Writes(plan, now)) batch.BatchCommands.Add(write);
                batch.BatchCommands.Add(new NpgsqlBatchCommand("release savepoint ps_close"));
            }
            foreach (var command in then()) batch.BatchCommands.Add(command);
            if (batch.BatchCommands.Count == 0) return;
            try
            {
                Platform.DatabaseRoundTrips.RoundTrip();
                await batch.ExecuteNonQueryAsync(ct);
                if (plan is not null) LogRefused(plan);
                return;
            }
            catch (PostgresException e) when (plan is not null && attempt < 3
                && (e.SqlState == "PS409" || e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "charges_incident_kind_key"))
            {
                logger.LogInformation("Closing incident {IncidentId} (call {CallSid}) again on fresh facts: {Why}", plan.IncidentId, callSid, e.MessageText);
                var again = new NpgsqlBatch(connection, transaction);
                again.BatchCommands.Add(new NpgsqlBatchCommand("rollback to savepoint ps_close"));
                again.BatchCommands.Add(IncidentCloseStatements.Facts(callSid));
                Platform.DatabaseRoundTrips.RoundTrip();
                await using var reader = await again.ExecuteReaderAsync(ct);
                facts = await IncidentCloseStatements.ReadAsync(reader, ct);
            }
        }
    }

    private void LogRefused(ClosePlan plan)
    {
        foreach (var refused in plan.Created.Where(c => c.RefusedReason is not null))
            logger.LogError("Incident {IncidentId} (call {CallSid}): {Kind} part of {Amount} {Currency} has no recorded consent; refused, not charged",
                plan.IncidentId, plan.CallSid, refused.Kind, refused.Amount, refused.RatePerHour.Currency);
    }

    /// <summary>
    /// <c>POST /api/incidents/{id}/calls</c>: a technician attaches a call of the same account to an earlier incident. A call
    /// that opened an incident of its own has it merged (its legs move, its allowance claim goes back, its unposted charges are
    /// waived with the reason); the target re-opens and is re-priced when everything has ended. Attaching twice changes nothing.
    /// Waiving is finance's: with <paramref name="mayWaive"/> false (a technician key) a call whose own incident has an
    /// unposted charge above zero is refused (Forbidden) and nothing changes.
    /// </summary>
    public async Task<(Incident? Incident, BillingRefusal? Refusal)> AttachAsync(Guid incidentId, string callSid, string actor, CancellationToken ct, bool mayWaive = true)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        var result = await strategy.ExecuteAsync<(Incident?, BillingRefusal?)>(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var target = await db.Incidents.FromSql($"select * from incidents where id = {incidentId} for update").SingleOrDefaultAsync(ct);
            if (target is null) return ((Incident?)null, new BillingRefusal("id", $"No incident '{incidentId}'.", NotFound: true));
            if (target.MergedIntoId is { } into) return (null, new BillingRefusal("id", $"This incident was merged into {into}; attach the call to that one."));
            var call = await db.Calls.AsNoTracking().FirstOrDefaultAsync(c => c.CallSid == callSid, ct);
            if (call is null) return (null, new BillingRefusal("callSid", $"No call '{callSid}'."));
            if (call.AccountId is null || call.AccountId != target.AccountId) return (null, new BillingRefusal("callSid", "The call is not of this incident's account (or its caller was never identified)."));
            if (callSid == target.CallSid || await db.IncidentCalls.AnyAsync(c => c.CallSid == callSid && c.IncidentId == target.Id, ct)
                || await db.Incidents.AnyAsync(i => i.CallSid == callSid && i.MergedIntoId == target.Id, ct))
                return (target, null);
            if (await db.IncidentCalls.AnyAsync(c => c.CallSid == callSid, ct)) return (null, new BillingRefusal("callSid", "The call is already attached to another incident."));

            var now = clock.GetCurrentInstant();
            var own = await db.Incidents.FirstOrDefaultAsync(i => i.CallSid == callSid, ct);
            if (own is not null)
            {
                if (own.OpenedAt < target.OpenedAt) return (null, new BillingRefusal("callSid", "The call opened an earlier incident: attach the later call to it instead."));
                var charges = await db.Charges.Where(c => c.IncidentId == own.Id).ToListAsync(ct);
                if (charges.Any(c => c.IsFrozen && c.Status != ChargeState.Waived))
                    return (null, new BillingRefusal("callSid", "The call's own incident is already billed in Stripe: waive its charge first, then attach it."));
                if (!mayWaive && charges.Any(c => c.Status != ChargeState.Waived && c.Amount > 0))
                    return (null, new BillingRefusal("callSid",
                        "Attaching this call merges its incident, which waives the incident's unposted charge: finance or an admin attaches it.", Forbidden: true));
                foreach (var charge in charges.Where(c => c.Status != ChargeState.Waived))
                {
                    charge.Waive($"merged into incident {target.Id}", actor, now);
                    db.ChargeEvents.Add(new ChargeEvent(charge.Id, now, "waived", ChargeStatus.Pending, ChargeStatus.Waived, actor, JsonSerializer.Serialize(new { mergedInto = target.Id })));
                }
                await db.BillingJobs.Where(j => j.IncidentId == own.Id && j.Status == BillingJobStatus.Pending)
                    .ExecuteUpdateAsync(j => j.SetProperty(x => x.Status, BillingJobStatus.Cancelled).SetProperty(x => x.DoneAt, now).SetProperty(x => x.LastError, "incident merged"), ct);
                await db.IncidentLegs.Where(l => l.IncidentId == own.Id).ExecuteUpdateAsync(l => l.SetProperty(x => x.IncidentId, target.Id), ct);
                await ledger.ReleaseForMergeAsync(callSid, now, ct);
                own.MergeInto(target.Id);
            }
            else
            {
                db.IncidentCalls.Add(new IncidentCall(callSid, target.Id, actor, now));
            }
            if (target.Status == "closed") target.Reopen();
            audit.Record("incident", target.Id, "callAttached", null, new { callSid, mergedIncidentId = own?.Id });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return (target, null);
        });
        if (result.Item1 is { } attachedTo) await CloseIfDoneAsync(attachedTo.CallSid, ct);
        return result;
    }
}
