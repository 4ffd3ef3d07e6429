using System.Text.Json;
using NodaTime;
using Npgsql;
using PhoneSupport.Domain.Billing;
using PhoneSupport.Domain.Policies;
using static PhoneSupport.Features.Platform.Statements;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// The close of an incident as statements (issue 14): <see cref="Facts"/> reads everything <see cref="IncidentClosing.Plan"/>
/// needs in one statement (so it can ride in the batch of the webhook that ended the last call), and <see cref="Writes"/>
/// applies the plan — the incident closed on the version read, the allowance committed, the charges with their audit entries,
/// the posting job — as statements for the batch that commits. A premise that no longer holds (the incident changed, a charge
/// started posting) fails the batch through <c>ps_expect</c> (SQLSTATE PS409), and the close is planned again on fresh facts.
/// </summary>
public static class IncidentCloseStatements
{
    /// <summary>
    /// The facts of the incident a call counts towards — the one it was attached to, else its own, followed through merges (at
    /// most 8) — as one row (none: the call has no incident). The calls of the incident are the one that opened it, the ones
    /// merged into it and the ones attached to it.
    /// </summary>
    public static NpgsqlBatchCommand Facts(string callSid) => Command("""
        with recursive
        start as (
            select coalesce((select incident_id from incident_calls where call_sid = $1),
                            (select id from incidents where call_sid = $1 and not exists (select 1 from incident_calls where call_sid = $1))) as id),
        chain (id, merged_into, hops) as (
            select i.id, i.merged_into_id, 0 from incidents i join start s on i.id = s.id
            union all
            select i.id, i.merged_into_id, c.hops + 1 from chain c join incidents i on i.id = c.merged_into where c.hops < 8),
        inc as (select * from incidents where id = (select id from chain order by hops desc limit 1)),
        members as (
            select call_sid from inc
            union select m.call_sid from incidents m join inc on m.merged_into_id = inc.id
            union select ic.call_sid from incident_calls ic join inc on ic.incident_id = inc.id)
        select inc.id, inc.call_sid, inc.account_id, inc.provider, inc.decision, inc."window", inc.policy_version, inc.opened_at,
               inc.status = 'open' and inc.merged_into_id is null, inc.version,
               exists (select 1 from members m where exists (select 1 from calls x where x.call_sid = m.call_sid and x.ended_at is null)),
               exists (select 1 from members m where exists (select 1 from callbacks b where b.call_sid = m.call_sid and b.status in ('scheduled', 'dialing'))),
               coalesce((select sum(l.seconds) from incident_legs l where l.incident_id = inc.id), 0)::int,
               (select c.entitlement::text from calls c where c.call_sid = inc.call_sid),
               p.id, p.minutes, p.price, p.rate_per_hour, p.currency, p."window",
               q.id, q.rate_per_hour, q.currency, q."window",
               a.stripe_customer_id, a.membership,
               (select e.id from call_events e where e.call_sid = inc.call_sid and e.kind = 'consent' order by e.id desc limit 1),
               (select json_agg(json_build_object('id', ch.id, 'kind', ch.kind, 'status', ch.status, 'posting', ch.posting_started_at is not null,
                        'waivedBy', ch.waived_by, 'waivedReason', ch.waived_reason, 'billed', ch.billed_seconds, 'steps', ch.steps,
                        'amount', ch.amount, 'version', ch.version) order by ch.created_at, ch.id)::text
                  from charges ch where ch.incident_id = inc.id)
          from inc
          left join lateral (select * from purchases where call_sid = inc.call_sid order by created_at limit 1) p on true
          left join lateral (select * from quotes where call_sid = inc.call_sid order by created_at limit 1) q on true
          left join accounts a on a.id = inc.account_id
        """, Text(callSid));

    /// <summary>The row of <see cref="Facts"/> at the reader's current result (null: none).</summary>
    public static async Task<IncidentCloseFacts?> ReadAsync(NpgsqlDataReader r, CancellationToken ct)
    {
        if (!await r.ReadAsync(ct)) return null;
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        var entitlement = S(13) is { } json ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] : [];
        var purchase = r.IsDBNull(14) ? null : new AcceptedPrice(r.GetGuid(14), new Money(r.GetInt64(17), r.GetString(18)), r.GetString(19),
            new PurchasedBlock(Duration.FromMinutes(r.GetInt32(15)), new Money(r.GetInt64(16), r.GetString(18))));
        var quote = r.IsDBNull(20) ? null : new AcceptedPrice(r.GetGuid(20), new Money(r.GetInt64(21), r.GetString(22)), r.GetString(23), null);
        var charges = new List<ExistingCharge>();
        if (S(27) is { } list)
        {
            using var document = JsonDocument.Parse(list);
            foreach (var c in document.RootElement.EnumerateArray())
                charges.Add(new ExistingCharge(c.GetProperty("id").GetGuid(), c.GetProperty("kind").GetString()!, c.GetProperty("status").GetString()!,
                    c.GetProperty("posting").GetBoolean(), c.GetProperty("waivedBy").GetString(), c.GetProperty("waivedReason").GetString(),
                    c.GetProperty("billed").GetInt32(), c.GetProperty("steps").GetInt32(), c.GetProperty("amount").GetInt64(), c.GetProperty("version").GetInt32()));
        }
        return new IncidentCloseFacts(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.GetString(3), r.GetString(4), r.GetString(5),
            r.GetString(6), r.GetFieldValue<Instant>(7), r.GetBoolean(8), r.GetInt32(9), r.GetBoolean(10), r.GetBoolean(11), r.GetInt32(12),
            entitlement, purchase, quote, S(24), S(25), r.IsDBNull(26) ? null : r.GetInt64(26), charges);
    }

    /// <summary>The plan's writes, in order: the incident first (its row lock serialises two closers of the same incident).</summary>
    public static IEnumerable<NpgsqlBatchCommand> Writes(ClosePlan plan, Instant now)
    {
        yield return Command("""
            with closed as (
                update incidents set status = 'closed', talk_seconds = $2, closed_at = $3, version = version + 1
                 where id = $1 and version = $4 and status = 'open'
                returning 1)
            select ps_expect(exists (select 1 from closed), 'the incident unchanged since it was read')
            """, Uuid(plan.IncidentId), Int(plan.TalkSeconds), At(now), Int(plan.ExpectedVersion));
        yield return Command("""
            update allowance_uses set status = 'committed', incident_id = $2, committed_at = $3
             where call_sid = $1 and status = 'claimed'
            """, Text(plan.CallSid), Uuid(plan.IncidentId), At(now));
        foreach (var c in plan.Repriced)
            yield return Command("""
                with repriced as (
                    update charges set billed_seconds = $2, steps = $3, amount = $4, description = $5, updated_at = $6, version = version + 1
                     where id = $1 and version = $7 and status = 'pending' and posting_started_at is null
                    returning id, status, billed_seconds, steps, amount),
                logged as (
                    insert into charge_events (charge_id, at, kind, from_status, to_status, actor, detail)
                    select id, $6, 'repriced', status, status, 'service',
                           jsonb_build_object('talkSeconds', $8::int, 'billedSeconds', billed_seconds, 'steps', steps, 'amount', amount)
                      from repriced)
                select ps_expect(exists (select 1 from repriced), 'the charge not yet posting, at the version read')
                """, Uuid(c.Before.Id), Int(c.BilledSeconds), Int(c.Steps), Long(c.Amount), Text(c.Description), At(now), Int(c.Before.Version),
                Int(plan.TalkSeconds));
        foreach (var c in plan.Created)
            yield return Created(plan, c, now);
        if (plan.Job is { } job)
            yield return Command("""
                with replaced as (
                    update billing_outbox set status = 'cancelled', done_at = $5, last_error = 'replaced by a re-priced job'
                     where incident_id = $3 and kind = $2 and status = 'pending' and attempts = 0 and lease_owner is null)
                insert into billing_outbox (id, kind, incident_id, charge_ids, status, attempts, next_attempt_at, created_at)
                values ($1, $2, $3, $4, 'pending', 0, $6, $5)
                """, Uuid(job.Id), Text(job.Kind), Uuid(plan.IncidentId),
                new NpgsqlParameter<Guid[]> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid, TypedValue = [.. job.ChargeIds] },
                At(now), At(job.NotBefore));
    }

    /// <summary>
    /// A new charge and its first audit entry: <c>created</c> (pending), or <c>refused</c> (waived by the service: no consent).
    /// Its <c>(incident, kind)</c> is unique, so a parallel close that got there first fails the batch and the close is planned again.
    /// </summary>
    private static NpgsqlBatchCommand Created(ClosePlan plan, NewCharge c, Instant now)
    {
        var refused = c.RefusedReason is not null;
        var detail = refused
            ? JsonSerializer.Serialize(new { incidentId = plan.IncidentId, talkSeconds = plan.TalkSeconds, kind = c.Kind, amount = c.Amount, currency = c.RatePerHour.Currency, reason = c.RefusedReason })
            : JsonSerializer.Serialize(new { incidentId = plan.IncidentId, talkSeconds = plan.TalkSeconds, kind = c.Kind, amount = c.Amount, currency = c.RatePerHour.Currency, consentEventId = c.ConsentEventId });
        return Command("""
            with created as (
                insert into charges (id, incident_id, account_id, kind, "window", rate_per_hour, currency, billed_seconds, steps, amount, consent_event_id,
                                     policy_version, status, status_reason, created_at, updated_at, origin, purchase_id, quote_id, description,
                                     stripe_customer_id, waived_reason, waived_by, waived_at, version, invoicing)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17, $18, $19, $20, $21, $22,
                        case when $21::text is null then null else $15 end, $23, $24)
                returning id)
            insert into charge_events (charge_id, at, kind, from_status, to_status, actor, detail)
            select id, $15, $25, null, $13, 'service', $26::jsonb from created
            """, Uuid(c.Id), Uuid(plan.IncidentId), Uuid(plan.AccountId), Text(c.Kind), Text(c.Window), Long(c.RatePerHour.Amount), Text(c.RatePerHour.Currency),
            Int(c.BilledSeconds), Int(c.Steps), Long(c.Amount), Long(c.ConsentEventId), Text(plan.PolicyVersion),
            Text(refused ? ChargeStatus.Waived : ChargeStatus.Pending), Text(refused ? $"waived: {c.RefusedReason}" : c.StatusReason), At(now),
            Text(c.Origin), Uuid(c.PurchaseId), Uuid(c.QuoteId), Text(c.Description), Text(plan.StripeCustomer),
            Text(c.RefusedReason), Text(refused ? "service" : null), Int(refused ? 1 : 0), Text(c.Monthly ? "monthly" : "perIncident"),
            Text(refused ? "refused" : "created"), Text(detail));
    }
}
