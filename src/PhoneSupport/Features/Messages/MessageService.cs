using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Features.Billing;
using PhoneSupport.Features.CallCore;

namespace PhoneSupport.Features.Messages;

/// <summary>
/// Stores messages and keeps their promises. The Record action (through the engine's <see cref="Effect.StoreMessage"/>)
/// stores the message with its callback or quote request; Twilio's recording status callback attaches the recording.
/// Both upsert the one row of the call (<c>messages_call_key</c>), each filling what it knows and never blanking what
/// the other wrote, so either order, repeats and races leave one message.
/// </summary>
public sealed class MessageService(PhoneSupportDb db, CallbackScheduler callbacks, PhoneQuoteService quotes, Domain.Policies.PolicyCatalog policies, IClock clock, ILogger<MessageService> logger,
    Audit.AuditLog audit)
{
    /// <summary>
    /// The engine's <see cref="Effect.StoreMessage"/>, in the step's transaction: the callback it promised, the quote request, the
    /// message row (merged with what the recording status callback stored first). Answers the ids as stored.
    /// </summary>
    public async Task<StoredMessage> StoreAsync(Effect.StoreMessage message, CancellationToken ct)
    {
        var callSid = message.Call.Value;
        var callback = message.Callback is { } promise
            ? await callbacks.ScheduleAsync(new CallbackRequest(callSid, message.Provider, message.AccountId, promise.Number.Value, promise.DueAt,
                promise.CoverageOnly, promise.Priority, promise.Reason, promise.Skill), ct)
            : null;
        var quoteId = message.Quote && message.AccountId is { } account && PhoneNumbers.ToE164(message.From.Value, policies.For(message.Provider)?.PhoneNumbers) is { } caller
            ? await quotes.RequestByPhoneAsync(callSid, account, caller, ct)
            : (Guid?)null;
        var id = await UpsertAsync(callSid, message.Provider, message.From.Value, message.AccountId, message.RecordingSid, message.RecordingUrl,
            message.DurationSeconds, callback?.Id, quoteId, ct);
        logger.LogInformation("Message {Message} of call {CallSid} stored (callback {Callback}, quote {Quote})", id, callSid, callback?.Id, quoteId);
        return new StoredMessage(id, callback?.Id, callback?.DueAt, quoteId);
    }

    /// <summary>
    /// Twilio's <c>recordingStatusCallback</c>: a <c>completed</c> recording is attached to the call's message (stored first
    /// if the Record action has not come yet). Other statuses (<c>absent</c>, <c>failed</c>) and unknown calls change nothing.
    /// </summary>
    public async Task<bool> AttachRecordingAsync(string callSid, string? recordingSid, string? recordingUrl, int? durationSeconds, string? status, CancellationToken ct)
    {
        if (status is not (null or "completed") || recordingUrl is null) return false;
        var call = await db.Calls.AsNoTracking().Where(c => c.CallSid == callSid).Select(c => new { c.Provider, c.FromNumber, c.AccountId }).FirstOrDefaultAsync(ct);
        if (call is null)
        {
            logger.LogInformation("Recording {RecordingSid} for unknown call {CallSid} ignored", recordingSid, callSid);
            return false;
        }
        await UpsertAsync(callSid, call.Provider, call.FromNumber, call.AccountId, recordingSid, recordingUrl, durationSeconds, null, null, ct);
        return true;
    }

    /// <summary><c>POST /api/messages/{id}/handled</c>: marks it handled once (audited on the call's timeline); false when there is no such message.</summary>
    public async Task<Message?> MarkHandledAsync(Guid id, string actor, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var changed = await db.Messages.Where(m => m.Id == id && m.Status == MessageStatus.New)
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.Status, MessageStatus.Handled).SetProperty(x => x.HandledAt, now).SetProperty(x => x.HandledBy, actor), ct);
        var message = await db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        if (message is not null && changed > 0)
        {
            db.CallEvents.Add(new CallEventRecord(message.CallSid, now, "messageHandled", JsonSerializer.Serialize(new { messageId = id, actor })));
            audit.Record("message", id, "handled", new { status = MessageStatus.New }, new { status = MessageStatus.Handled });
            await db.SaveChangesAsync(ct);
        }
        await tx.CommitAsync(ct);
        return message;
    }

    private async Task<Guid> UpsertAsync(string callSid, string provider, string from, Guid? accountId, string? recordingSid, string? recordingUrl, int? durationSeconds,
        Guid? callbackId, Guid? quoteId, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        var ids = await db.Database.SqlQuery<Guid>($"""
            insert into messages as m (id, call_sid, provider, from_number, account_id, recording_sid, recording_url, duration_seconds, received_at, callback_id, quote_id, status)
            values ({Guid.CreateVersion7()}, {callSid}, {provider}, {from}, {accountId}, {recordingSid}, {recordingUrl}, {durationSeconds}, {now}, {callbackId}, {quoteId}, 'new')
            on conflict (call_sid) do update set
                account_id       = coalesce(m.account_id, excluded.account_id),
                recording_sid    = coalesce(excluded.recording_sid, m.recording_sid),
                recording_url    = coalesce(excluded.recording_url, m.recording_url),
                duration_seconds = coalesce(excluded.duration_seconds, m.duration_seconds),
                callback_id      = coalesce(m.callback_id, excluded.callback_id),
                quote_id         = coalesce(m.quote_id, excluded.quote_id)
            returning m.id as "Value"
            """).ToListAsync(ct);
        return ids[0];
    }
}

/// <summary>A stored message, its callback and its quote request (each null when it promised none).</summary>
public sealed record StoredMessage(Guid Id, Guid? CallbackId, Instant? CallbackDueAt, Guid? QuoteId);
