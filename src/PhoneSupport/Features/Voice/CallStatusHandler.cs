using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.CallCore;
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
public sealed class CallStatusHandler(PhoneSupportDb db, Billing.IncidentService incidents, Reports.ServiceRollup rollup, IClock clock, ILogger<CallStatusHandler> logger)
{
    /// <summary>
    /// The status callback of a forwarded call's technician leg (Twilio's child call). A leg that ended after its
    /// technician accepted counts towards the caller's incident — by its own sid, so it counts once together with the
    /// dial action that reports the same leg (whose bridged duration, when it comes, is the one kept). Two round trips: the
    /// leg (on the technician's acceptance) with the incident's close facts, then the close with the commit.
    /// </summary>
    public async Task<IResult> TechnicianLegStatusAsync(VoiceRequest request, string parentCallSid, Guid technicianId, CancellationToken ct)
    {
        var empty = new global::Twilio.TwiML.VoiceResponse().ToResult();
        if (request.CallSid is not { } legSid || !request.CallEnded || request.CallDuration is not > 0) return empty;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = (Npgsql.NpgsqlConnection)db.Database.GetDbConnection();
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var batch = new Npgsql.NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(Billing.IncidentService.RecordLegCommand(parentCallSid, legSid, request.CallDuration.Value, "legStatus",
                clock.GetCurrentInstant(), acceptedBy: technicianId));
            batch.BatchCommands.Add(Billing.IncidentCloseStatements.Facts(parentCallSid));
            Platform.DatabaseRoundTrips.RoundTrip();
            bool accepted;
            Domain.Billing.IncidentCloseFacts? facts;
            await using (var reader = await batch.ExecuteReaderAsync(ct))
            {
                accepted = await reader.ReadAsync(ct) && reader.GetBoolean(0);
                await reader.NextResultAsync(ct);
                facts = await Billing.IncidentCloseStatements.ReadAsync(reader, ct);
            }
            await incidents.CloseAsync(transaction, parentCallSid, accepted ? facts : null, () => [new Npgsql.NpgsqlBatchCommand("commit")], ct);
            return empty;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// The call's status callback. The status is logged once (its dedupe key), and the first terminal status ends the call and
    /// frees what it held — the technician still ringing, its queue place, an included incident claimed by a call that never
    /// reached a technician — all in one statement, sent with the read of its incident's close facts; then the incident closes
    /// when everything has ended and the service report counts the call, with the commit (two round trips; a status that ends
    /// nothing is the one statement alone).
    /// </summary>
    public async Task<IResult> StatusAsync(VoiceRequest request, CancellationToken ct)
    {
        var empty = new global::Twilio.TwiML.VoiceResponse().ToResult();
        if (request.CallSid is not { } callSid) return empty;
        var status = Raw(request, "CallStatus") ?? "unknown";
        var dedupeKey = $"status:{callSid}:{request.SequenceNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? status}";
        var now = clock.GetCurrentInstant();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = (Npgsql.NpgsqlConnection)db.Database.GetDbConnection();
            await using var transaction = request.CallEnded ? await connection.BeginTransactionAsync(ct) : null;
            var batch = new Npgsql.NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(Platform.Statements.Command(StatusStatement, Platform.Statements.Text(callSid), Platform.Statements.At(now),
                Platform.Statements.Text(Json(Webhook("status", request).Data)), Platform.Statements.Text(dedupeKey), Platform.Statements.Text(status),
                new Npgsql.NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, Value = request.CallDuration is { } d ? d : DBNull.Value },
                Platform.Statements.Bool(request.CallEnded)));
            if (transaction is not null) batch.BatchCommands.Add(Billing.IncidentCloseStatements.Facts(callSid));
            Platform.DatabaseRoundTrips.RoundTrip();
            bool known, recorded, endedNow, ended;
            string? provider;
            Domain.Billing.IncidentCloseFacts? facts = null;
            await using (var reader = await batch.ExecuteReaderAsync(ct))
            {
                await reader.ReadAsync(ct);
                (known, recorded, endedNow, ended, provider) = (reader.GetBoolean(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4));
                if (transaction is not null && await reader.NextResultAsync(ct)) facts = await Billing.IncidentCloseStatements.ReadAsync(reader, ct);
            }
            if (!known) logger.LogInformation("Status {Status} for unknown call {CallSid} ignored", status, callSid);
            if (transaction is null) return empty;
            var closes = recorded && ended;
            // The service report's roll-up (Features/Reports/ServiceRollup; a crash before it is swept up) rides last before the commit.
            await incidents.CloseAsync(transaction, callSid, closes ? facts : null, () => closes && endedNow
                ? [rollup.AddCommand(callSid, provider!, now), new Npgsql.NpgsqlBatchCommand("commit")]
                : [new Npgsql.NpgsqlBatchCommand("commit")], ct);
            return empty;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// The status logged (a repeat, by its dedupe key, is not), and, when it is the first terminal one, the call's end
    /// (<see cref="CallRecord.End"/>'s rule: only the first counts; the caller hung up when the flow had not ended the call)
    /// with the technician still ringing freed, the queue place left and an unused included incident released (with its log
    /// entry) when no technician was ever connected. Answers whether the call is known, the status new, the call ended now,
    /// the call ended at all, and its provider.
    /// </summary>
    private const string StatusStatement = """
        with call as (select call_sid, provider, ended_at from calls where call_sid = $1 for update),
        ev as (
            insert into call_events (call_sid, at, kind, data, dedupe_key)
            select call_sid, $2, 'status', $3::jsonb, $4 from call
            on conflict (dedupe_key) where dedupe_key is not null do nothing
            returning 1),
        ended as (
            update calls c
               set caller_hung_up = c.phase <> 'Ended', twilio_status = $5, duration_seconds = $6, ended_at = $2, phase = 'Ended', updated_at = $2,
                   version = c.version + 1
             where c.call_sid = $1 and c.ended_at is null and $7 and exists (select 1 from ev)
            returning c.call_sid),
        freed as (
            update technicians
               set status = 'available', status_since = $2, reserved_until = null, version = version + 1, reserved_call_sid = null
             where reserved_call_sid = $1 and status <> 'available' and exists (select 1 from ended)
            returning id),
        freed_log as (
            insert into technician_events (technician_id, at, kind, data)
            select id, $2, 'callerHungUp', jsonb_build_object('callSid', $1::text, 'status', 'available') from freed),
        left_queue as (
            update queue_entries set status = 'left', updated_at = $2
             where call_sid = $1 and status <> 'connected' and status <> 'left' and exists (select 1 from ended)),
        released as (
            update allowance_uses set status = 'released', released_at = $2
             where call_sid = $1 and status = 'claimed' and exists (select 1 from ended)
               and not exists (select 1 from call_events e where e.call_sid = $1 and e.kind = 'connected')
            returning 1),
        released_log as (
            insert into call_events (call_sid, at, kind, data)
            select $1, $2, 'allowance', '{"result": "released"}'::jsonb where exists (select 1 from released))
        select exists (select 1 from call), exists (select 1 from ev), exists (select 1 from ended),
               exists (select 1 from ended) or coalesce((select ended_at is not null from call), false), (select provider from call)
        """;

    /// <summary>The webhook as logged: what Twilio told us, without the caller's number.</summary>
    internal static IvrEvent Webhook(string hook, VoiceRequest? request) => IvrEvent.Of("webhook",
        ("hook", hook),
        ("callStatus", request is null ? null : Raw(request, "CallStatus")),
        ("sequenceNumber", request?.SequenceNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("callDuration", request?.CallDuration?.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static string? Raw(VoiceRequest request, string key) => request.Raw.TryGetValue(key, out var v) ? v : null;

    private static string Json(IReadOnlyDictionary<string, string> data) => System.Text.Json.JsonSerializer.Serialize(data);

}
