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
    public const string NoConsent = "no recorded consent: the caller never accepted a price on this call, so it is not charged";

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
    public static NpgsqlBatchCommand RecordLegCommand(string callSid, string legSid, int seconds, string source, Instant now)
    {
        var command = new NpgsqlBatchCommand("""
            with recursive
            known as (select leg_sid from incident_legs where leg_sid = $2),
            fixed as (
                update incident_legs set seconds = $3, source = $4
                 where leg_sid = $2 and source = 'legStatus' and $4 = 'dial' and seconds <> $3
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
                 where c.call_sid = $1 and not exists (select 1 from known) and not exists (select 1 from found)
                returning id),
            reopened as (
                update incidents set status = 'open', version = version + 1
                 where id in (select id from found where status = 'closed') and not exists (select 1 from known)),
            target as (select id from found union all select id from opened)
            insert into incident_legs (leg_sid, incident_id, call_sid, seconds, source, at)
            select $2, id, $1, $3, $4, $7 from target where not exists (select 1 from known)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = callSid });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = legSid });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = seconds });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = source });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() });
        command.Parameters.Add(new NpgsqlParameter<Instant> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, TypedValue = now - Duration.FromSeconds(seconds) });
        command.Parameters.Add(new NpgsqlParameter<Instant> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, TypedValue = now });
        return command;
    }

    /// <summary>The incident a call counts towards: the one it was attached to, else the one it opened (following merges).</summary>
    public async Task<Incident?> FindAsync(string callSid, CancellationToken ct)
    {
        // One query: the incident the call was attached to, else the one it opened.
        var attached = db.IncidentCalls.Where(c => c.CallSid == callSid);
        var incident = await db.Incidents
            .Where(i => i.Id == attached.Select(c => c.IncidentId).FirstOrDefault() || (i.CallSid == callSid && !attached.Any()))
            .FirstOrDefaultAsync(ct);
        for (var hops = 0; incident?.MergedIntoId is { } target && hops < 8; hops++)
            incident = await db.Incidents.FirstOrDefaultAsync(i => i.Id == target, ct);
        return incident;
    }

    public async Task CloseIfDoneAsync(string callSid, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await CloseOnceAsync(callSid, ct);
                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                db.ChangeTracker.Clear(); // a worker started posting a charge meanwhile: price again, as an adjustment
            }
        }
    }

    private async Task CloseOnceAsync(string callSid, CancellationToken ct)
    {
        // The incident and everything closing it needs to know, in one query (see CloseFacts). An incident merged into
        // another (a technician attached its call) is followed to where it went, then read again.
        var attached = db.IncidentCalls.Where(c => c.CallSid == callSid);
        var known = await WithCloseFacts(db.Incidents.Where(i => i.Id == attached.Select(c => c.IncidentId).FirstOrDefault()
            || (i.CallSid == callSid && !attached.Any()))).FirstOrDefaultAsync(ct);
        if (known?.Incident.MergedIntoId is not null && await FindAsync(callSid, ct) is { } target)
            known = await WithCloseFacts(db.Incidents.Where(i => i.Id == target.Id)).FirstOrDefaultAsync(ct);
        if (known is not { Incident.Status: "open" } || known.OpenCallbacks || known.OpenCalls) return;
        var incident = known.Incident;

        var now = clock.GetCurrentInstant();
        var talk = known.Talk;
        incident.Close(talk, now);
        await ledger.CommitForCallAsync(incident.CallSid, incident.Id, now, ct);

        var facts = JsonSerializer.Deserialize<Dictionary<string, string>>(known.Entitlement ?? "{}")!;
        var policy = policies.Decided(incident.Provider, incident.PolicyVersion, incident.OpenedAt);
        var purchase = known.PurchaseId is { } purchaseId ? await db.Purchases.AsNoTracking().FirstAsync(p => p.Id == purchaseId, ct) : null;
        var quote = known.QuoteId is { } quoteId ? await db.Quotes.AsNoTracking().FirstAsync(q => q.Id == quoteId, ct) : null;
        var currency = facts.GetValueOrDefault("currency") ?? policy?.Currency ?? "usd";
        Money? rate = quote is not null ? new Money(quote.RatePerHour, quote.Currency)
            : purchase is not null ? new Money(purchase.RatePerHour, purchase.Currency)
            : facts.TryGetValue("ratePerHour", out var r) && long.TryParse(r, out var amount) ? new Money(amount, currency) : null;
        var included = facts.TryGetValue("includedTalkMinutes", out var m) && int.TryParse(m, out var minutes) ? Duration.FromMinutes(minutes) : (Duration?)null;
        var block = purchase is null ? null : new PurchasedBlock(Duration.FromMinutes(purchase.Minutes), new Money(purchase.Price, purchase.Currency));
        IReadOnlyList<BillablePart> parts = [];
        if (policy is not null && Enum.TryParse<Decision>(incident.Decision, true, out var decision)
            && Domain.Policies.Windows.TryParse(quote?.Window ?? purchase?.Window ?? incident.Window, out var window))
            parts = IncidentBilling.Price(policy.Billing, decision, window, rate, included, Duration.FromSeconds(talk), block);

        var existing = known.HasCharges ? await db.Charges.Where(c => c.IncidentId == incident.Id).ToListAsync(ct) : [];
        var customer = incident.AccountId is null ? null : known.Customer;
        var consent = known.Consent;
        var zone = policy?.Coverage.Zone ?? DateTimeZone.Utc;
        var monthly = incident.AccountId is not null && policy is not null && known.Membership is { } membership
            && policy.Plan(membership)?.Invoicing == Invoicing.Monthly;
        var origins = (Origin: quote is not null ? "quote" : purchase is not null ? "purchase" : "call", PurchaseId: purchase?.Id, QuoteId: quote?.Id);
        var toPost = new List<Charge>();
        foreach (var part in parts)
        {
            var description = ChargeDescriptions.For(part, incident, zone);
            var same = existing.Where(c => c.Kind == part.Kind || c.Kind.StartsWith(part.Kind + ":", StringComparison.Ordinal)).ToList();
            if (same.FirstOrDefault(c => !c.IsFrozen) is { } open)
            {
                // Not yet handed to Stripe: the new price replaces the old (minus what frozen siblings already bill).
                var frozen = same.Where(c => c.IsFrozen && c.Status != ChargeState.Waived).ToList();
                var (billed, steps, sum) = (part.Billed.TotalSeconds - frozen.Sum(c => c.BilledSeconds), part.Steps - frozen.Sum(c => c.Steps), part.Amount.Amount - frozen.Sum(c => c.Amount));
                if (open.Reprice((int)billed, steps, sum, description, now))
                    db.ChargeEvents.Add(new ChargeEvent(open.Id, now, "repriced", open.Status.Wire(), open.Status.Wire(), "service",
                        JsonSerializer.Serialize(new { talkSeconds = talk, billedSeconds = open.BilledSeconds, steps = open.Steps, amount = open.Amount })));
                if (open.Amount > 0 && customer is not null) toPost.Add(open);
                continue;
            }

            var billedBefore = same.Where(c => c.Status != ChargeState.Waived).Sum(c => c.Amount);
            var delta = part.Amount.Amount - billedBefore;
            if (same.Count > 0 && delta <= 0) continue; // already billed at least this much
            var kind = same.Count == 0 ? part.Kind : $"{part.Kind}:adjustment{same.Count}";
            if (consent is null)
            {
                // Consent by construction: no charge without the caller's recorded yes. Finance sees the refused part as a
                // charge waived by the service with the reason (never posted); one per part, however often the incident closes.
                if (same.Any(c => c.WaivedBy == "service" && c.WaivedReason == NoConsent)) continue;
                var refused = new Charge(Guid.CreateVersion7(), incident.Id, incident.AccountId, kind, part.Window.Name(), part.RatePerHour.Amount, part.RatePerHour.Currency,
                    (int)part.Billed.TotalSeconds - same.Sum(c => c.BilledSeconds), part.Steps - same.Sum(c => c.Steps), delta, null, incident.PolicyVersion, null, now)
                    .From(origins.Origin, origins.PurchaseId, origins.QuoteId, description, customer);
                refused.Waive(NoConsent, "service", now);
                db.Charges.Add(refused);
                db.ChargeEvents.Add(new ChargeEvent(refused.Id, now, "refused", null, ChargeStatus.Waived, "service",
                    JsonSerializer.Serialize(new { incidentId = incident.Id, talkSeconds = talk, kind, amount = refused.Amount, currency = refused.Currency, reason = NoConsent })));
                logger.LogError("Incident {IncidentId} (call {CallSid}): {Kind} part of {Amount} {Currency} has no recorded consent; refused, not charged",
                    incident.Id, incident.CallSid, kind, refused.Amount, refused.Currency);
                continue;
            }
            var charge = new Charge(Guid.CreateVersion7(), incident.Id, incident.AccountId, kind, part.Window.Name(), part.RatePerHour.Amount, part.RatePerHour.Currency,
                (int)part.Billed.TotalSeconds - same.Sum(c => c.BilledSeconds), part.Steps - same.Sum(c => c.Steps), delta,
                consent, incident.PolicyVersion, customer is null ? "the account has no Stripe customer" : null, now)
                .From(origins.Origin, origins.PurchaseId, origins.QuoteId, same.Count == 0 ? description : $"Adjustment: {description}", customer)
                .InvoicedMonthly(monthly);
            db.Charges.Add(charge);
            db.ChargeEvents.Add(new ChargeEvent(charge.Id, now, "created", null, ChargeStatus.Pending, "service",
                JsonSerializer.Serialize(new { incidentId = incident.Id, talkSeconds = talk, kind, amount = charge.Amount, currency = charge.Currency, consentEventId = consent })));
            if (customer is not null) toPost.Add(charge);
        }

        if (toPost.Count > 0)
        {
            // One invoice per billable incident: a job not yet picked up is replaced by one covering everything unposted.
            var kind = monthly ? BillingJob.Item : BillingJob.Invoice;
            await db.BillingJobs.Where(j => j.IncidentId == incident.Id && j.Kind == kind && j.Status == BillingJobStatus.Pending && j.Attempts == 0 && j.LeaseOwner == null)
                .ExecuteUpdateAsync(j => j.SetProperty(x => x.Status, BillingJobStatus.Cancelled).SetProperty(x => x.DoneAt, now).SetProperty(x => x.LastError, "replaced by a re-priced job"), ct);
            db.BillingJobs.Add(new BillingJob(Guid.CreateVersion7(), kind, incident.Id, [.. toPost.Select(c => c.Id)], now, now + Duration.FromTimeSpan(options.Value.PostingDelay)));
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// What closing needs, read with the incident in one statement: whether every call of the incident (the one that opened
    /// it, the ones merged into it, the ones attached to it) has ended and no callback is pending, the talk time, the origin's
    /// entitlement, the account's Stripe customer and plan, the recorded consent, and whether there are charges, a purchase
    /// or a quote to read. The incident itself is tracked.
    /// </summary>
    private IQueryable<CloseFacts> WithCloseFacts(IQueryable<Incident> incidents) => incidents.Select(i => new CloseFacts
    {
        Incident = i,
        Entitlement = db.Calls.Where(c => c.CallSid == i.CallSid).Select(c => c.Entitlement).FirstOrDefault(),
        // The incident's calls (the one that opened it, the ones merged into it, the ones attached to it) as one IN list of
        // index look-ups: an OR of EXISTS per row would make PostgreSQL scan callbacks and calls.
        OpenCallbacks = db.Callbacks.Any(b => db.Calls.Where(c => c.CallSid == i.CallSid).Select(c => c.CallSid)
                .Concat(db.Incidents.Where(m => m.MergedIntoId == i.Id).Select(m => m.CallSid))
                .Concat(db.IncidentCalls.Where(c => c.IncidentId == i.Id).Select(c => c.CallSid)).Contains(b.CallSid)
            && (b.Status == CallbackStatus.Scheduled || b.Status == CallbackStatus.Dialing)),
        OpenCalls = db.Calls.Any(x => db.Calls.Where(c => c.CallSid == i.CallSid).Select(c => c.CallSid)
                .Concat(db.Incidents.Where(m => m.MergedIntoId == i.Id).Select(m => m.CallSid))
                .Concat(db.IncidentCalls.Where(c => c.IncidentId == i.Id).Select(c => c.CallSid)).Contains(x.CallSid)
            && x.EndedAt == null),
        Talk = db.IncidentLegs.Where(l => l.IncidentId == i.Id).Sum(l => (int?)l.Seconds) ?? 0,
        HasCharges = db.Charges.Any(x => x.IncidentId == i.Id),
        PurchaseId = db.Purchases.Where(p => p.CallSid == i.CallSid).Select(p => (Guid?)p.Id).FirstOrDefault(),
        QuoteId = db.Quotes.Where(q => q.CallSid == i.CallSid).Select(q => (Guid?)q.Id).FirstOrDefault(),
        Customer = db.Accounts.Where(a => a.Id == i.AccountId).Select(a => a.StripeCustomerId).FirstOrDefault(),
        Membership = db.Accounts.Where(a => a.Id == i.AccountId).Select(a => a.Membership).FirstOrDefault(),
        Consent = db.CallEvents.Where(e => e.CallSid == i.CallSid && e.Kind == "consent").OrderByDescending(e => e.Id).Select(e => (long?)e.Id).FirstOrDefault(),
    });

    private sealed class CloseFacts
    {
        public Incident Incident { get; init; } = null!;
        public string? Entitlement { get; init; }
        public bool OpenCallbacks { get; init; }
        public bool OpenCalls { get; init; }
        public int Talk { get; init; }
        public bool HasCharges { get; init; }
        public Guid? PurchaseId { get; init; }
        public Guid? QuoteId { get; init; }
        public string? Customer { get; init; }
        public string? Membership { get; init; }
        public long? Consent { get; init; }
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
