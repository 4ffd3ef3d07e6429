using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Entitlements;
using PhoneSupport.Features.Routing;
using PhoneSupport.Twilio;

namespace PhoneSupport.Features.Voice;

/// <summary>
/// Every voice webhook takes one path: load the call, run the pure engine (fetching the facts it asks for),
/// save the new state with its events in one unit of work, render TwiML. A duplicate or late request
/// (wrong sequence number, or a lost race with another instance) re-renders the current question and
/// changes nothing.
/// </summary>
public sealed class VoiceHandler(
    PhoneSupportDb db, CallStartWriter starts, FlowCatalog flows, FactsLoader facts, TwimlRenderer renderer, IdentificationLockout lockout, AllowanceLedger ledger,
    TechnicianRouter router, Queue.QueueService queue, Billing.IncidentService incidents, Sla.SlaRecorder slas, Reports.ServiceRollup rollup, IClock clock, ILogger<VoiceHandler> logger)
{
    public const string NotInService = "Sorry, this number is not in service. Goodbye.";

    public async Task<IResult> IncomingAsync(VoiceRequest request, CancellationToken ct, Hardening.PendingRateLimitHit? limit = null)
    {
        if (request.CallSid is not { } callSid || request.To is not { } to)
            return TwimlRenderer.Apology(NotInService).ToResult();
        var flow = flows.ForNumber(to);
        if (flow is null)
        {
            logger.LogWarning("Call {CallSid} to {To}, a number no flow answers: apologised and hung up", callSid, PhoneRedaction.Redact(to));
            return TwimlRenderer.Apology(NotInService).ToResult();
        }
        // No look-up first: a new call is inserted straight away, and a repeated incoming webhook (Twilio's retry, or
        // the call already started on another instance) finds the call's primary key taken and is answered like the first.
        var session = CallSession.Start(callSid, flow.Id, flow.Provider, request.From ?? "", to, flow.Start, flow.DefaultLanguage);
        var now = clock.GetCurrentInstant();
        var (next, instruction, events) = await RunAsync(flow, session, new CallerInput.CallStarted(), now, ct);
        var record = CallRecord.Start(next, now);
        var rows = EventRows(record, now, Webhook("incoming", request), events, out var withEffects);
        if (withEffects)
        {
            // A first step whose events are also effects (an identification failure the lockout counts): EF's unit of work.
            db.Calls.Add(record);
            db.CallEvents.AddRange(rows);
            AppendEffects(record, now, events);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
            {
                db.ChangeTracker.Clear();
                return await ReplayStartAsync(callSid, flow, ct);
            }
        }
        else
        {
            // The common case: rate-limit hit, call and events in one statement, one round trip (CallStartWriter).
            switch (await starts.InsertAsync(record, rows, limit, ct))
            {
                case CallStart.Limited: return TwimlRenderer.Apology(Hardening.CallerRateLimitFilter.TooManyCalls).ToResult();
                case CallStart.Duplicate: return await ReplayStartAsync(callSid, flow, ct);
            }
        }
        logger.LogInformation("Call {CallSid} started on flow {Flow}", callSid, flow.Id);
        return renderer.Render(instruction, next.Sequence, next.CallSid).ToResult();
    }

    /// <summary>Twilio retried the incoming webhook, or another instance has this call: answer as it stands.</summary>
    private async Task<IResult> ReplayStartAsync(string callSid, Flow flow, CancellationToken ct)
    {
        var winner = await db.Calls.FirstAsync(c => c.CallSid == callSid, ct);
        return await ContinueAsync(winner, flow, new CallerInput.Replay(), "incoming", ct);
    }

    public async Task<IResult> StepAsync(VoiceRequest request, int? sequence, bool noInput, CancellationToken ct)
    {
        if (request.CallSid is not { } callSid) return TwimlRenderer.Apology(NotInService).ToResult();
        var record = await db.Calls.FirstOrDefaultAsync(c => c.CallSid == callSid, ct);
        if (record is null)
        {
            logger.LogWarning("Step webhook for unknown call {CallSid}: starting its flow from the top", callSid);
            return await IncomingAsync(request, ct);
        }
        var flow = flows.ById(record.FlowId);
        if (flow is null)
        {
            logger.LogError("Call {CallSid} is on flow {Flow}, which is no longer loaded", callSid, record.FlowId);
            return TwimlRenderer.Apology(NotInService).ToResult();
        }
        var input = sequence != record.Sequence ? new CallerInput.Replay() : Translate(request, noInput);
        return await ContinueAsync(record, flow, input, "step", ct, request);
    }

    /// <summary>The queue dispatcher redirected this call out of the queue: ring the reserved technician.</summary>
    public async Task<IResult> QueueConnectAsync(VoiceRequest request, CancellationToken ct)
    {
        if (request.CallSid is not { } callSid) return TwimlRenderer.Apology(NotInService).ToResult();
        var record = await db.Calls.FirstOrDefaultAsync(c => c.CallSid == callSid, ct);
        if (record is null || flows.ById(record.FlowId) is not { } flow) return TwimlRenderer.Apology(NotInService).ToResult();
        return await ContinueAsync(record, flow, new CallerInput.QueueConnect(), "queueConnect", ct, request);
    }

    /// <summary>
    /// A transfer nobody took and the first technician could not take back (decision 013): the call goes on in its
    /// flow where no technician is free (the queue, or the route step's <c>unavailable</c> exit); <paramref name="replay"/>
    /// answers what it says now, changing nothing (a repeated dial action).
    /// </summary>
    public async Task<IResult> TransferNotTakenAsync(string callSid, bool replay, CancellationToken ct)
    {
        var record = await db.Calls.FirstOrDefaultAsync(c => c.CallSid == callSid, ct);
        if (record is null || flows.ById(record.FlowId) is not { } flow) return TwimlRenderer.Apology(NotInService).ToResult();
        return await ContinueAsync(record, flow, replay ? new CallerInput.Replay() : new CallerInput.TransferNotTaken(), "transferNotTaken", ct);
    }

    /// <summary>
    /// The status callback of a forwarded call's technician leg (Twilio's child call). A leg that ended after its
    /// technician accepted counts towards the caller's incident — by its own sid, so it counts once together with the
    /// dial action that reports the same leg (whose bridged duration, when it comes, is the one kept).
    /// </summary>
    public async Task<IResult> TechnicianLegStatusAsync(VoiceRequest request, string parentCallSid, Guid technicianId, CancellationToken ct)
    {
        var empty = new global::Twilio.TwiML.VoiceResponse().ToResult();
        if (request.CallSid is not { } legSid || !request.CallEnded || request.CallDuration is not > 0) return empty;
        var accepted = await db.TechnicianEvents.AnyAsync(e => e.TechnicianId == technicianId && e.Kind == "accepted"
            && EF.Functions.JsonContains(e.Data, System.Text.Json.JsonSerializer.Serialize(new { callSid = parentCallSid })), ct);
        if (!accepted) return empty;
        await incidents.RecordLegAsync(parentCallSid, legSid, request.CallDuration.Value, "legStatus", ct);
        await incidents.CloseIfDoneAsync(parentCallSid, ct);
        return empty;
    }

    public async Task<IResult> StatusAsync(VoiceRequest request, CancellationToken ct)
    {
        var empty = new global::Twilio.TwiML.VoiceResponse().ToResult();
        if (request.CallSid is not { } callSid) return empty;
        var status = Raw(request, "CallStatus") ?? "unknown";
        var dedupeKey = $"status:{callSid}:{request.SequenceNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? status}";
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // The call with whether a technician was ever connected to it, read together: the dial action saves both at once.
            var loaded = await db.Calls.Where(c => c.CallSid == callSid)
                .Select(c => new { Call = c, Connected = db.CallEvents.Any(e => e.CallSid == c.CallSid && e.Kind == "connected") })
                .FirstOrDefaultAsync(ct);
            if (loaded?.Call is not { } record)
            {
                logger.LogInformation("Status {Status} for unknown call {CallSid} ignored", status, callSid);
                return empty;
            }
            // A repeated callback is caught by the dedupe key's unique index when saving (no look-up first).
            var now = clock.GetCurrentInstant();
            db.CallEvents.Add(new CallEventRecord(callSid, now, "status", Json(Webhook("status", request).Data), dedupeKey));
            var endedNow = request.CallEnded && record.End(status, request.CallDuration, now);
            if (endedNow)
            {
                // The caller hung up: a technician still ringing for this call is free again, and an included
                // incident claimed by a call that never reached a technician goes back to the contract year.
                await router.ReleaseHolderAsync(callSid, "callerHungUp", ct);
                await queue.MarkAsync(callSid, Queue.QueueStatus.Left, ct);
                if (!loaded.Connected && await ledger.ReleaseForCallAsync(callSid, now, ct) > 0)
                    db.CallEvents.Add(CallEventRecord.From(callSid, now, IvrEvent.Of("allowance", ("result", "released"))));
            }
            try
            {
                await db.SaveChangesAsync(ct);
                // The service report's roll-up: one statement, counted once (Features/Reports/ServiceRollup; a crash here is swept up).
                if (endedNow) await rollup.AddAsync(callSid, record.Provider, ct);
                if (record.EndedAt is not null) await incidents.CloseIfDoneAsync(callSid, ct);
                return empty;
            }
            catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation, ConstraintName: "call_events_dedupe_key_key" })
            {
                return empty; // this status was recorded already
            }
            catch (DbUpdateException e) when (IsRace(e))
            {
                db.ChangeTracker.Clear();
            }
        }
        return empty;
    }

    private async Task<IResult> ContinueAsync(CallRecord record, Flow flow, CallerInput input, string hook, CancellationToken ct, VoiceRequest? request = null)
    {
        if (input is not (CallerInput.KeysPressed or CallerInput.SpeechHeard) || !IsIdentification(flow, record.Step) || record.FromNumber.Length == 0)
            return await ContinueUnlockedAsync(record, flow, input, hook, ct, request);

        // An identification answer: the lockout check and the failure it may record are serialised per caller number
        // across every instance (a session advisory lock, held until the new state is saved), so parallel wrong entries
        // from one number lock it after exactly the policy's number of failures, never later. Npgsql's reset on
        // returning the connection to the pool (DISCARD ALL, or with prepared statements kept: pg_advisory_unlock_all) releases the lock should the unlock itself fail.
        var key = record.Provider + ":" + record.FromNumber;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await db.Database.ExecuteSqlAsync($"select pg_advisory_lock(hashtextextended({key}, 0))", ct);
            try
            {
                return await ContinueUnlockedAsync(record, flow, input, hook, ct, request);
            }
            finally
            {
                await db.Database.ExecuteSqlAsync($"select pg_advisory_unlock(hashtextextended({key}, 0))", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static bool IsIdentification(Flow flow, string stepId) =>
        flow.Steps.TryGetValue(stepId, out var step) && step.Action is Domain.Flows.FlowActions.IdentifyByContract
            or Domain.Flows.FlowActions.IdentifyByAccount or Domain.Flows.FlowActions.IdentifyByCustomerNumber or Domain.Flows.FlowActions.IdentifyByUserName;

    private async Task<IResult> ContinueUnlockedAsync(CallRecord record, Flow flow, CallerInput input, string hook, CancellationToken ct, VoiceRequest? request = null)
    {
        var (next, instruction, events) = await RunAsync(flow, record.ToSession(), input, record.StartedAt, ct);
        if (input is CallerInput.Replay) return renderer.Render(instruction, next.Sequence, next.CallSid).ToResult();

        await ApplyRoutingEffectsAsync(record, events, request, ct);
        var now = clock.GetCurrentInstant();
        record.Apply(next, now);
        AppendEvents(record, now, Webhook(hook, request), events);
        await slas.RecordDecisionAsync(record, next, events, ct); // a response target: its SLA record, saved with the decision
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (IsRace(e))
        {
            // Another instance advanced this call first (a duplicate webhook): say what it says now.
            db.ChangeTracker.Clear();
            var current = await db.Calls.AsNoTracking().FirstAsync(c => c.CallSid == record.CallSid, ct);
            return await ContinueAsync(current, flow, new CallerInput.Replay(), hook, ct);
        }
        return renderer.Render(instruction, next.Sequence, next.CallSid).ToResult();
    }

    private async Task<StepResult.Advanced> RunAsync(Flow flow, CallSession session, CallerInput input, Instant startedAt, CancellationToken ct)
    {
        var known = Facts.None;
        for (var round = 0; ; round++)
        {
            // A step asks for a handful of facts at most; more means a request that never matches its answer.
            if (round > 16) throw new InvalidOperationException($"Call {session.CallSid}: the engine asked for facts {round} times in one webhook.");
            switch (IvrEngine.Step(flow, session, input, known))
            {
                case StepResult.Advanced advanced: return advanced;
                case StepResult.NeedFacts need: known = known.With(need.Request, await facts.LoadAsync(need.Request, startedAt, ct)); break;
            }
        }
    }

    private static CallerInput Translate(VoiceRequest request, bool noInput) => request switch
    {
        { QueueResult: { Length: > 0 } queueResult } => new CallerInput.QueueLeft(queueResult),
        { DialCallStatus: not null } => new CallerInput.DialEnded(
            request.DialWasBridged, request.Raw.GetValueOrDefault("DialCallStatus") ?? "unknown", request.DialCallDuration),
        { RecordingUrl: { } url } => new CallerInput.RecordingDone(url, request.RecordingDuration, request.Raw.GetValueOrDefault("RecordingSid")),
        // A Record action without its URL yet: the recording status callback attaches it (MessageService).
        _ when request.Raw.GetValueOrDefault("RecordingSid") is { Length: > 0 } recordingSid => new CallerInput.RecordingDone(null, request.RecordingDuration, recordingSid),
        { SpeechResult: { Length: > 0 } speech } => new CallerInput.SpeechHeard(speech, request.Confidence),
        { Digits: { } digits } when !noInput => new CallerInput.KeysPressed(digits, request.FinishedOnKey is { Length: > 0 }),
        _ => new CallerInput.NoInput(),
    };

    /// <summary>Technician state changes the engine's events call for, before the call's new state is saved.</summary>
    private async Task ApplyRoutingEffectsAsync(CallRecord call, IEnumerable<IvrEvent> events, VoiceRequest? request, CancellationToken ct)
    {
        var callSid = call.CallSid;
        foreach (var e in events.Where(e => e.Kind == "queueLeft")) await queue.MarkAsync(callSid, Queue.QueueStatus.Left, ct);
        foreach (var e in events)
            if (Guid.TryParse(e.Data.GetValueOrDefault("technicianId"), out var technician))
                switch (e.Kind)
                {
                    case "connected":
                        await router.FinishAsync(technician, callSid, ct);
                        await incidents.RecordLegAsync(callSid, request?.DialCallSid ?? $"{callSid}:{technician:N}",
                            int.TryParse(e.Data.GetValueOrDefault("seconds"), out var seconds) ? seconds : 0, "dial", ct, call);
                        await queue.MarkAsync(callSid, Queue.QueueStatus.Connected, ct);
                        break;
                    case "dialFailed": await router.ReleaseAsync(technician, callSid, e.Data.GetValueOrDefault("status") ?? "notBridged", ct); break;
                }
    }

    /// <summary>Appends the events, and carries out the ones that are also effects (in the same unit of work).</summary>
    private void AppendEvents(CallRecord record, Instant now, IvrEvent webhook, IEnumerable<IvrEvent> events)
    {
        db.CallEvents.AddRange(EventRows(record, now, webhook, events, out _));
        AppendEffects(record, now, events);
    }

    /// <summary>
    /// The event rows of one webhook (the webhook first); <paramref name="withEffects"/> tells whether one of them is also
    /// an effect to carry out (an identification failure the lockout counts). The entitlement decision goes onto the call.
    /// </summary>
    private static List<CallEventRecord> EventRows(CallRecord record, Instant now, IvrEvent webhook, IEnumerable<IvrEvent> events, out bool withEffects)
    {
        var rows = new List<CallEventRecord> { CallEventRecord.From(record.CallSid, now, webhook) };
        withEffects = false;
        foreach (var e in events)
        {
            rows.Add(CallEventRecord.From(record.CallSid, now, e));
            withEffects |= IsIdentificationFailure(e);
            if (e.Kind == "decision") record.Entitlement = JsonSerializer.Serialize(e.Data);
        }
        return rows;
    }

    private void AppendEffects(CallRecord record, Instant now, IEnumerable<IvrEvent> events)
    {
        foreach (var e in events.Where(IsIdentificationFailure)) lockout.Record(record.Provider, record.FromNumber, record.CallSid, now);
    }

    private static bool IsIdentificationFailure(IvrEvent e) =>
        e.Kind == "identify" && e.Data.GetValueOrDefault("result") is "notFound" or "ambiguous" && e.Data.GetValueOrDefault("action") != Domain.Flows.FlowActions.IdentifyByCallerId;

    /// <summary>The webhook as logged: what Twilio told us, without the caller's number.</summary>
    private static IvrEvent Webhook(string hook, VoiceRequest? request) => IvrEvent.Of("webhook",
        ("hook", hook),
        ("callStatus", request is null ? null : Raw(request, "CallStatus")),
        ("sequenceNumber", request?.SequenceNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("callDuration", request?.CallDuration?.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static string? Raw(VoiceRequest request, string key) => request.Raw.TryGetValue(key, out var v) ? v : null;

    private static string Json(IReadOnlyDictionary<string, string> data) => JsonSerializer.Serialize(data);

    private static bool IsRace(DbUpdateException e) =>
        e is DbUpdateConcurrencyException || e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation };
}
