using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Features.Entitlements;
using PhoneSupport.Features.Routing;
using PhoneSupport.Twilio;

namespace PhoneSupport.Features.Voice;

/// <summary>
/// Twilio's status callbacks of a call and of its technician legs: the call's end (a technician still ringing is let go, a
/// claim never used goes back, the service report counts it, the incident closes when everything is done), and a
/// forwarded leg's duration towards the caller's incident. Repeated callbacks change nothing twice.
/// </summary>
public sealed class CallStatusHandler(
    PhoneSupportDb db, AllowanceLedger ledger, TechnicianRouter router, Queue.QueueService queue, Billing.IncidentService incidents, Reports.ServiceRollup rollup,
    IClock clock, ILogger<CallStatusHandler> logger)
{
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

    /// <summary>The webhook as logged: what Twilio told us, without the caller's number.</summary>
    internal static IvrEvent Webhook(string hook, VoiceRequest? request) => IvrEvent.Of("webhook",
        ("hook", hook),
        ("callStatus", request is null ? null : Raw(request, "CallStatus")),
        ("sequenceNumber", request?.SequenceNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("callDuration", request?.CallDuration?.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static string? Raw(VoiceRequest request, string key) => request.Raw.TryGetValue(key, out var v) ? v : null;

    private static string Json(IReadOnlyDictionary<string, string> data) => System.Text.Json.JsonSerializer.Serialize(data);

    private static bool IsRace(DbUpdateException e) =>
        e is DbUpdateConcurrencyException || e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation };
}
