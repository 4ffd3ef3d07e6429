using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Configuration;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Routing;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Platform;
using PhoneSupport.Twilio;
using PhoneSupport.Twilio.Rest;
using Twilio.TwiML;
using Dial = Twilio.TwiML.Voice.Dial;
using Gather = Twilio.TwiML.Voice.Gather;
using Number = Twilio.TwiML.Voice.Number;
using TwimlMethod = Twilio.Http.HttpMethod;

namespace PhoneSupport.Features.Routing;

/// <summary><c>POST /api/calls/{callSid}/transfer</c>: to one colleague (<see cref="TechnicianId"/>) or a skill, <c>cold</c> or <c>warm</c>.</summary>
public sealed record TransferRequest(string? TechnicianId, string? Skill, string? Mode);

/// <summary>A transfer: <see cref="Status"/> is <c>ringing</c>, <c>accepted</c>, <c>completed</c> or <c>failed</c>.</summary>
public sealed record TransferResource(Guid Id, string CallSid, Guid FromTechnicianId, Guid? ToTechnicianId, string? Skill, string Mode, string Status,
    string? Reason, string CreatedAt)
{
    /// <summary>Why the colleague did not take the call: <c>declined</c>, <c>no-answer</c>, <c>busy</c> or <c>failed</c> (null otherwise).</summary>
    public string? NotTaken { get; init; }

    /// <summary>Where the caller went then: <c>returned-to-first</c>, <c>queued</c> or <c>hung-up</c> (null otherwise).</summary>
    public string? Fallback { get; init; }
}

/// <summary>The transfer row's lock: where the caller went when the colleague did not take them (migration 0026).</summary>
internal sealed record FallbackRow(string? Fallback, string? NotTaken);

/// <summary>Where a transfer is; stored (and written by the API) as the member's text (<see cref="StoredText{TEnum}"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TransferStatus>))]
public enum TransferStatus
{
    [JsonStringEnumMemberName("ringing")] Ringing,
    [JsonStringEnumMemberName("accepted")] Accepted,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>A row of <c>call_transfers</c> (migrations 0021, 0026), read by raw SQL: <see cref="Status"/> is the column's text.</summary>
internal sealed record TransferRow(Guid Id, string CallSid, Guid FromTechnicianId, Guid? ToTechnicianId, string? Skill, string Mode, string Status,
    string? Reason, Instant CreatedAt, string? NotTaken, string? Fallback)
{
    public TransferResource ToResource() =>
        new(Id, CallSid, FromTechnicianId, ToTechnicianId, Skill, Mode, Status, Reason, AdminFormats.Format(CreatedAt)) { NotTaken = NotTaken, Fallback = Fallback };

    public string Key => Transfer.ReservationKey(Id);

    public bool Warm => Mode == "warm";

    public TransferStatus State => StoredText<TransferStatus>.Parse(Status);
}

/// <summary>
/// Transfers (decision 013). The technician on a call hands it to a colleague or a skill: the colleague is reserved
/// like any call (<see cref="TechnicianRouter.ReserveAsync"/>, under the transfer's own key), then the caller's leg is
/// redirected through Twilio's REST API (<c>POST Calls/{Sid}.json Url=…</c>) to a new <c>&lt;Dial&gt;</c> of the colleague —
/// with the whisper and "press 1" for a warm transfer, without for a cold one. Twilio ends the first technician's leg
/// when the caller leaves their <c>&lt;Dial&gt;</c> and still reports that dial's action (the first technician goes to
/// wrap-up and their talk is recorded as today); the colleague's bridged leg joins the same incident by its own sid, so
/// the incident bills the combined talk once. At most one open transfer per call (a partial unique index): a repeated
/// request answers the open transfer and moves nobody twice.
/// </summary>
public sealed partial class TransferService(
    PhoneSupportDb db, TechnicianRouter router, ITwilioRestClient twilio, IOptions<PhoneSupportOptions> service, IOptions<RoutingOptions> routing,
    FlowCatalog flows, Billing.IncidentService incidents, IServiceProvider services, IClock clock, ILogger<TransferService> logger,
    Audit.AuditLog audit)
{
    public const string CallPath = "/twilio/voice/transfer";
    private const int MaxSkill = 50;

    /// <summary>
    /// The API's and the desk's request. <paramref name="actingTechnician"/> is the technician a technician key or a desk
    /// user acts for (null for an admin): they may transfer only the call they are on.
    /// </summary>
    public async Task<Results<Accepted<TransferResource>, ProblemHttpResult>> RequestAsync(
        string callSid, TransferRequest body, bool asTechnician, Guid? actingTechnician, string actor, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        var mode = Transfer.ParseMode(body.Mode);
        if (mode is null) errors.Add("mode", "Required: cold (the caller is moved at once) or warm (the colleague hears the whisper and accepts first).");
        Guid? target = null;
        var skill = body.Skill?.Trim();
        if (string.IsNullOrEmpty(skill)) skill = null;
        if (body.TechnicianId is not null) target = AdminFormats.Id(body.TechnicianId, "technicianId", errors);
        if (skill is { Length: > MaxSkill }) errors.Add("skill", $"A skill is 1 to {MaxSkill} characters, like sales or de.");
        if ((body.TechnicianId is null) == (skill is null)) errors.Add("technicianId", "Give either technicianId (a colleague) or skill, not both and not neither.");
        if (errors.Any) return Problems.Validation(errors);

        var call = await db.Calls.AsNoTracking().FirstOrDefaultAsync(c => c.CallSid == callSid, ct);
        if (call is null) return Problems.NotFound($"No call '{callSid}'.");
        var holder = await db.Technicians.AsNoTracking()
            .Where(t => t.ReservedCallSid == callSid && t.Status == TechnicianStatus.Busy).Select(t => new { t.Id, t.Name }).FirstOrDefaultAsync(ct);
        if (asTechnician && (actingTechnician is null || holder?.Id != actingTechnician))
            return KeyScope.Forbidden("A technician may transfer only the call they are on.");
        if (call.EndedAt is not null || holder is null)
            return Conflict($"Call '{callSid}' is not in progress with a technician: there is nothing to transfer.");
        if (target == holder.Id) return Problems.Validation("technicianId", "This technician is already on the call.");
        if (target is { } colleague && !await db.Technicians.AnyAsync(t => t.Id == colleague, ct))
            return Problems.Validation("technicianId", $"No technician '{colleague}'.");

        // Claim: one open transfer per call. A repeated or concurrent request finds the open one (202) and moves nobody twice.
        // A transfer still ringing after the reservation timeout whose colleague no longer holds it (an instance died between
        // the claim and the redirect, or Twilio never ran the transfer's TwiML) is over, so it blocks nothing.
        var id = Guid.CreateVersion7();
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        var stale = (clock.GetCurrentInstant() - Duration.FromTimeSpan(routing.Value.ReservationTimeout)).ToDateTimeUtc();
        await db.Database.ExecuteSqlAsync($"""
            update call_transfers x set status = 'failed', reason = 'expired: the colleague never took it', updated_at = {now}
             where x.call_sid = {callSid} and x.status = 'ringing' and x.updated_at < {stale}
               and not exists (select 1 from technicians t where t.reserved_call_sid = 'tr-' || replace(x.id::text, '-', ''))
            """, ct);
        var modeName = mode!.Value.Name();
        List<Guid> claimed;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            claimed = await db.Database.SqlQuery<Guid>($"""
                insert into call_transfers (id, call_sid, from_technician_id, to_technician_id, skill, mode, status, requested_by, created_at, updated_at)
                values ({id}, {callSid}, {holder.Id}, {target}, {skill}, {modeName}, 'ringing', {actor}, {now}, {now})
                on conflict (call_sid) where status in ('ringing', 'accepted') do nothing
                returning id as "Value"
                """).ToListAsync(ct);
            if (claimed.Count > 0)
            {
                // The request is the change a person made (who asked to move whom); the moves that follow are the call's own log.
                audit.Record("call", callSid, "transferRequested", null, new { transferId = id, fromTechnicianId = holder.Id, technicianId = target, skill, mode = modeName });
                await db.SaveChangesAsync(ct);
            }
            await transaction.CommitAsync(ct);
        }
        if (claimed.Count == 0)
            return await OpenAsync(callSid, ct) is { } open
                ? TypedResults.Accepted($"/api/calls/{callSid}/transfers/{open.Id}", open.ToResource())
                : Conflict("The call's transfer just ended; ask again.");

        var key = Transfer.ReservationKey(id);
        var reserved = await router.ReserveAsync(new ReservationRequest(key, call.Provider, skill, null, false, [holder.Id], Only: target,
            Language: string.IsNullOrEmpty(call.Language) ? null : call.Language), ct);
        if (reserved is null)
        {
            var why = target is not null
                ? "That technician is not available now (offline, on another call, in wrap-up, or not serving this line)."
                : $"No technician with the skill '{skill}' is available now for this line; the caller stays with you.";
            await FailAsync(id, why, ct);
            return Conflict(why);
        }

        await db.Database.ExecuteSqlAsync($"update call_transfers set to_technician_id = {reserved.Id}, updated_at = {now} where id = {id}", ct);
        try
        {
            // Twilio leaves the first technician's <Dial> (their leg ends, its action is still reported) and runs the transfer's TwiML.
            await twilio.UpdateCallAsync(callSid, UpdateCallOptions.Redirect(new Uri($"{service.Value.BaseUrl}{CallPath}?transfer={id:N}"), HttpMethod.Post), ct);
        }
        catch (Exception e) when (e is TwilioApiException or HttpRequestException or TimeoutException)
        {
            LogRedirectFailed(e, callSid);
            await router.ReleaseAsync(reserved.Id, key, "transferFailed", ct);
            var why = e is TwilioApiException { Status: 404 } or TwilioApiException { Code: 21220 }
                ? "Twilio says the call is no longer in progress."
                : "Twilio did not take the transfer; the caller stays with you. Try again.";
            await FailAsync(id, why, ct);
            return e is TwilioApiException { Status: < 500 } ? Conflict(why)
                : TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Twilio failed", detail: why);
        }

        LogTransferred(callSid, modeName, reserved.Id);
        var row = await RowAsync(id, ct);
        return TypedResults.Accepted($"/api/calls/{callSid}/transfers/{id}", row!.ToResource());
    }

    /// <summary>The call's transfers, newest first.</summary>
    public async Task<IReadOnlyList<TransferResource>> ListAsync(string callSid, CancellationToken ct) =>
        (await db.Database.SqlQueryRaw<TransferRow>(Select + " where call_sid = {0} order by created_at desc", callSid).ToListAsync(ct))
            .Select(r => r.ToResource()).ToList();

    /// <summary>The caller's leg, redirected here: "please hold", then a <c>&lt;Dial&gt;</c> of the colleague (the whisper first when warm).</summary>
    public async Task<IResult> CallerLegAsync(Guid transferId, CancellationToken ct)
    {
        var transfer = await RowAsync(transferId, ct);
        var call = transfer is null ? null : await db.Calls.AsNoTracking().FirstOrDefaultAsync(c => c.CallSid == transfer.CallSid, ct);
        var (speech, voice, language) = CallerVoice(call);
        var colleague = transfer?.ToTechnicianId is { } to
            ? await db.Technicians.AsNoTracking().Where(t => t.Id == to && t.ReservedCallSid == transfer.Key).Select(t => t.PhoneNumber).FirstOrDefaultAsync(ct)
            : null;
        if (transfer is null || call is null || colleague is null || transfer.State is not (TransferStatus.Ringing or TransferStatus.Accepted))
            return new VoiceResponse().Utter(Transfer.NotTaken(speech), voice, language).Hangup().ToResult();
        var baseUrl = service.Value.BaseUrl;
        var dial = new Dial(action: new Uri($"{baseUrl}{CallPath}/ended?transfer={transferId:N}"), method: TwimlMethod.Post,
            timeout: routing.Value.RingSeconds, callerId: call.FromNumber);
        dial.Number(new global::Twilio.Types.PhoneNumber(colleague),
            url: transfer.Warm ? new Uri($"{baseUrl}{CallPath}/whisper?transfer={transferId:N}") : null, method: transfer.Warm ? TwimlMethod.Post : null,
            statusCallback: new Uri($"{baseUrl}{CallPath}/leg?transfer={transferId:N}"), statusCallbackMethod: TwimlMethod.Post,
            statusCallbackEvent: [Number.EventEnum.Answered, Number.EventEnum.Completed]);
        return new VoiceResponse().Utter(Transfer.Hold(speech), voice, language).Append(dial).ToResult();
    }

    /// <summary>Warm: the colleague hears who hands the call over and the usual whisper, and presses 1 to take it.</summary>
    public async Task<IResult> WhisperAsync(Guid transferId, CancellationToken ct)
    {
        var transfer = await RowAsync(transferId, ct);
        var call = transfer is null ? null : await db.Calls.AsNoTracking().FirstOrDefaultAsync(c => c.CallSid == transfer.CallSid, ct);
        var languages = transfer?.ToTechnicianId is { } to
            ? await db.Technicians.AsNoTracking().Where(t => t.Id == to && t.ReservedCallSid == transfer.Key).Select(t => t.Languages).FirstOrDefaultAsync(ct)
            : null;
        var (speech, voice, language) = TechnicianVoice.For(call is null ? null : flows.ById(call.FlowId), languages, call?.Language);
        if (transfer is null || call is null || languages is null)
            return new VoiceResponse().Utter(Whisper.Line(speech, WhisperLine.Gone), voice, language).Hangup().ToResult();
        var from = await db.Technicians.AsNoTracking().Where(t => t.Id == transfer.FromTechnicianId).Select(t => t.Name).FirstAsync(ct);
        var gather = new Gather(input: [Gather.InputEnum.Dtmf], numDigits: 1, timeout: 8, method: TwimlMethod.Post,
            action: new Uri($"{service.Value.BaseUrl}{CallPath}/answer?transfer={transferId:N}"));
        gather.Utter(Transfer.From(speech, from) + " " + Whisper.For(call.ToSession().Vars, speech), voice, language);
        return new VoiceResponse().Append(gather).Utter(Whisper.Line(speech, WhisperLine.Declined), voice, language).Hangup().ToResult();
    }

    /// <summary>The colleague's key at the whisper: 1 accepts (busy now, and the caller is bridged), anything else declines.</summary>
    public async Task<IResult> AnswerAsync(Guid transferId, string? digits, CancellationToken ct)
    {
        var transfer = await RowAsync(transferId, ct);
        if (transfer?.ToTechnicianId is not { } colleague) return new VoiceResponse().Hangup().ToResult();
        var call = await db.Calls.AsNoTracking().FirstOrDefaultAsync(c => c.CallSid == transfer.CallSid, ct);
        var languages = await db.Technicians.AsNoTracking().Where(t => t.Id == colleague).Select(t => t.Languages).FirstOrDefaultAsync(ct);
        var (speech, voice, language) = TechnicianVoice.For(call is null ? null : flows.ById(call.FlowId), languages, call?.Language);
        if (digits is ['1', ..] && await AcceptAsync(transfer, colleague, ct))
            return new VoiceResponse().Utter(Whisper.Line(speech, WhisperLine.Connecting), voice, language).ToResult();
        if (digits is not ['1', ..])
            await db.Database.ExecuteSqlAsync($"update call_transfers set not_taken = 'declined' where id = {transferId} and not_taken is null and fallback is null", ct);
        return new VoiceResponse().Utter(Whisper.Line(speech, digits is ['1', ..] ? WhisperLine.Taken : WhisperLine.Declined), voice, language)
            .Hangup().ToResult();
    }

    /// <summary>
    /// The colleague's leg status: a cold transfer is accepted when the colleague answers; a leg that ends after its
    /// transfer was accepted counts towards the call's incident by its own sid (once, whatever Twilio repeats).
    /// </summary>
    public async Task<IResult> LegStatusAsync(Guid transferId, VoiceRequest request, CancellationToken ct, bool back = false)
    {
        var empty = new VoiceResponse().ToResult();
        var transfer = await RowAsync(transferId, ct);
        if (back)
        {
            // The first technician's leg back to the caller (a plain dial, no whisper): answered is taken.
            if (transfer is null || request.CallSid is not { } backSid) return empty;
            if (request.CallStatus == Twilio.CallStatus.InProgress) await router.AcceptAsync(transfer.FromTechnicianId, transfer.Key, ct);
            if (request.CallEnded && request.CallDuration is > 0 && transfer.Fallback == "returned-to-first")
            {
                await incidents.RecordLegAsync(transfer.CallSid, backSid, request.CallDuration.Value, "legStatus", ct);
                await incidents.CloseIfDoneAsync(transfer.CallSid, ct);
            }
            return empty;
        }
        if (transfer?.ToTechnicianId is not { } colleague || request.CallSid is not { } legSid) return empty;
        if (!transfer.Warm && request.CallStatus == Twilio.CallStatus.InProgress) await AcceptAsync(transfer, colleague, ct);
        // A warm transfer's colleague picked up: if the dial then ends unbridged, they declined (or did not press 1) at the whisper.
        if (transfer.Warm && request.CallStatus == Twilio.CallStatus.InProgress)
            await db.Database.ExecuteSqlAsync($"update call_transfers set not_taken = 'declined' where id = {transferId} and status = 'ringing' and not_taken is null", ct);
        if (request.CallEnded && request.CallDuration is > 0 && transfer.State is TransferStatus.Accepted or TransferStatus.Completed)
        {
            await incidents.RecordLegAsync(transfer.CallSid, legSid, request.CallDuration.Value, "legStatus", ct);
            await incidents.CloseIfDoneAsync(transfer.CallSid, ct);
        }
        return empty;
    }

    /// <summary>
    /// The transfer's <c>&lt;Dial&gt;</c> ended (the caller's leg): bridged, the colleague's talk joins the incident and they
    /// go to wrap-up; not bridged (declined, no answer), they are free again and the caller hears it could not be done.
    /// </summary>
    public async Task<IResult> EndedAsync(Guid transferId, VoiceRequest request, CancellationToken ct, bool back = false)
    {
        var transfer = await RowAsync(transferId, ct);
        var call = transfer is null ? null : await db.Calls.AsNoTracking().FirstOrDefaultAsync(c => c.CallSid == transfer.CallSid, ct);
        var (speech, voice, language) = CallerVoice(call);
        if (transfer is not null && back) return await BackEndedAsync(transfer, request, speech, voice, language, ct);
        if (transfer?.ToTechnicianId is not { } colleague) return new VoiceResponse().Hangup().ToResult();
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        // Bridged means taken: a cold transfer's "answered" status callback may come after the dial's action.
        if (request.DialWasBridged && (transfer.State is TransferStatus.Accepted or TransferStatus.Completed || await AcceptAsync(transfer, colleague, ct)))
        {
            await incidents.RecordLegAsync(transfer.CallSid, request.DialCallSid ?? $"{transfer.CallSid}:{transferId:N}", request.DialCallDuration ?? 0, "dial", ct);
            await router.FinishAsync(colleague, transfer.Key, ct);
            await db.Database.ExecuteSqlAsync(
                $"update call_transfers set status = 'completed', leg_sid = {request.DialCallSid}, updated_at = {now} where id = {transferId} and status <> 'completed'", ct);
            return new VoiceResponse().Hangup().ToResult();
        }

        return await NotTakenAsync(transfer, colleague, call, request, speech, voice, language, ct);
    }

    /// <summary>
    /// The colleague did not take the call: the caller is not hung up. Under the transfer row's lock (one answer however
    /// often Twilio posts the dial action, on any instance) the colleague is freed, the first technician — in wrap-up after
    /// this very call — is reserved again under the transfer's key and dialled back with a short sentence in the call's
    /// language; the row records why (<c>not_taken</c>) and where the caller went (<c>fallback</c>). A repeated or late
    /// dial action finds <c>fallback</c> set and answers the same dial while the first technician still holds the key.
    /// </summary>
    private async Task<IResult> NotTakenAsync(TransferRow transfer, Guid colleague, CallRecord? call, VoiceRequest request, Speech speech, string voice,
        string language, CancellationToken ct)
    {
        var status = request.Raw.GetValueOrDefault("DialCallStatus");
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        ReservedTechnician? first;
        IResult? onward = null;
        string fallback;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            var locked = await db.Database.SqlQuery<FallbackRow>(
                $"select fallback as \"Fallback\", not_taken as \"NotTaken\" from call_transfers where id = {transfer.Id} for update").FirstAsync(ct);
            if (locked.Fallback is { } recorded)
            {
                await tx.CommitAsync(ct);
                LogFallbackReplayed(transfer.CallSid, recorded);
                return await ReplayFallbackAsync(transfer with { Fallback = recorded }, call, speech, voice, language, ct);
            }
            await router.ReleaseAsync(colleague, transfer.Key, status ?? "notBridged", ct);
            var notTaken = Transfer.NotTakenReason(status, locked.NotTaken == "declined");
            first = call is { EndedAt: null } ? await router.ReserveBackAsync(transfer.FromTechnicianId, transfer.CallSid, transfer.Key, ct) : null;
            if (first is null && call is { EndedAt: null })
            {
                // Nobody to go back to: the call goes on in its flow as if no technician were free (the queue keeps its place,
                // or the route's unavailable exit: the callback offer), saved in this transaction.
                onward = await services.GetRequiredService<ITransferFallback>().ContinueFlowAsync(transfer.CallSid, replay: false, ct);
            }
            fallback = first is not null ? "returned-to-first"
                : onward is null ? "hung-up"
                : await services.GetRequiredService<ITransferFallback>().IsQueuedAsync(transfer.CallSid, ct) ? "queued" : "unavailable-exit";
            await db.Database.ExecuteSqlAsync($"""
                update call_transfers set status = 'failed', not_taken = {notTaken}, fallback = {fallback}, fallback_at = {now}, updated_at = {now},
                       reason = {$"The colleague did not take the call ({status ?? "not bridged"})."}
                 where id = {transfer.Id}
                """, ct);
            await tx.CommitAsync(ct);
        }
        LogFallback(transfer.CallSid, fallback);
        if (onward is not null) return onward;
        return first is null || call is null
            ? new VoiceResponse().Utter(Transfer.NotTaken(speech), voice, language).Hangup().ToResult()
            : BackDial(transfer, call, first, speech, voice, language);
    }

    private async Task<IResult> ReplayFallbackAsync(TransferRow transfer, CallRecord? call, Speech speech, string voice, string language, CancellationToken ct)
    {
        var first = await db.Technicians.AsNoTracking().Where(t => t.Id == transfer.FromTechnicianId && t.ReservedCallSid == transfer.Key)
            .Select(t => new ReservedTechnician(t.Id, t.Name, t.PhoneNumber)).FirstOrDefaultAsync(ct);
        if (transfer.Fallback is "queued" or "unavailable-exit")
            return await services.GetRequiredService<ITransferFallback>().ContinueFlowAsync(transfer.CallSid, replay: true, ct);
        return transfer.Fallback == "returned-to-first" && first is not null && call is not null
            ? BackDial(transfer, call, first, speech, voice, language)
            : new VoiceResponse().Hangup().ToResult();
    }

    /// <summary>"Your colleague is not available; connecting you back", then a plain dial of the first technician (they know the caller).</summary>
    private IResult BackDial(TransferRow transfer, CallRecord call, ReservedTechnician first, Speech speech, string voice, string language)
    {
        var baseUrl = service.Value.BaseUrl;
        var dial = new Dial(action: new Uri($"{baseUrl}{CallPath}/ended?transfer={transfer.Id:N}&back=true"), method: TwimlMethod.Post,
            timeout: routing.Value.RingSeconds, callerId: call.FromNumber);
        dial.Number(new global::Twilio.Types.PhoneNumber(first.PhoneNumber),
            statusCallback: new Uri($"{baseUrl}{CallPath}/leg?transfer={transfer.Id:N}&back=true"), statusCallbackMethod: TwimlMethod.Post,
            statusCallbackEvent: [Number.EventEnum.Answered, Number.EventEnum.Completed]);
        return new VoiceResponse().Utter(Transfer.Back(speech), voice, language).Append(dial).ToResult();
    }

    /// <summary>The dial back to the first technician ended: bridged, their talk joins the incident and they wrap up; not, they are free and the caller hears it.</summary>
    private async Task<IResult> BackEndedAsync(TransferRow transfer, VoiceRequest request, Speech speech, string voice, string language, CancellationToken ct)
    {
        if (transfer.Fallback != "returned-to-first") return new VoiceResponse().Hangup().ToResult();
        if (request.DialWasBridged)
        {
            await router.AcceptAsync(transfer.FromTechnicianId, transfer.Key, ct);
            await incidents.RecordLegAsync(transfer.CallSid, request.DialCallSid ?? $"{transfer.CallSid}:{transfer.Id:N}:back", request.DialCallDuration ?? 0, "dial", ct);
            await router.FinishAsync(transfer.FromTechnicianId, transfer.Key, ct);
            return new VoiceResponse().Hangup().ToResult();
        }
        await router.ReleaseAsync(transfer.FromTechnicianId, transfer.Key, request.Raw.GetValueOrDefault("DialCallStatus") ?? "notBridged", ct);
        return new VoiceResponse().Utter(Transfer.NotTaken(speech), voice, language).Hangup().ToResult();
    }

    private async Task<bool> AcceptAsync(TransferRow transfer, Guid colleague, CancellationToken ct)
    {
        var accepted = await router.AcceptAsync(colleague, transfer.Key, ct)
            || await db.Technicians.AnyAsync(t => t.Id == colleague && t.ReservedCallSid == transfer.Key && t.Status == TechnicianStatus.Busy, ct);
        if (accepted)
        {
            var now = clock.GetCurrentInstant().ToDateTimeUtc();
            await db.Database.ExecuteSqlAsync($"update call_transfers set status = 'accepted', not_taken = null, updated_at = {now} where id = {transfer.Id} and status = 'ringing'", ct);
        }
        return accepted;
    }

    private async Task FailAsync(Guid id, string reason, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        await db.Database.ExecuteSqlAsync(
            $"update call_transfers set status = 'failed', reason = {reason}, updated_at = {now} where id = {id} and status in ('ringing', 'accepted')", ct);
    }

    private const string Select = """
        select id as "Id", call_sid as "CallSid", from_technician_id as "FromTechnicianId", to_technician_id as "ToTechnicianId", skill as "Skill",
               mode as "Mode", status as "Status", reason as "Reason", created_at as "CreatedAt", not_taken as "NotTaken", fallback as "Fallback" from call_transfers
        """;

    private async Task<TransferRow?> RowAsync(Guid id, CancellationToken ct) =>
        (await db.Database.SqlQueryRaw<TransferRow>(Select + " where id = {0}", id).ToListAsync(ct)).FirstOrDefault();

    private async Task<TransferRow?> OpenAsync(string callSid, CancellationToken ct) =>
        (await db.Database.SqlQueryRaw<TransferRow>(Select + " where call_sid = {0} and status in ('ringing', 'accepted')", callSid).ToListAsync(ct)).FirstOrDefault();

    private (Speech Speech, string Voice, string Language) CallerVoice(CallRecord? call)
    {
        var spoken = call is null ? null : flows.ById(call.FlowId)?.Languages.GetValueOrDefault(call.Language);
        return spoken is null ? (Speech.English, "Polly.Joanna", "en-US") : (Speech.For(spoken.Code), spoken.Voice, spoken.Code);
    }

    private static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallSid} transferred ({Mode}) to technician {TechnicianId}")]
    private partial void LogTransferred(string callSid, string mode, Guid technicianId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallSid}: the colleague did not take the transfer; fallback {Fallback}")]
    private partial void LogFallback(string callSid, string fallback);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallSid}: repeated transfer dial action answered with the recorded fallback {Fallback}")]
    private partial void LogFallbackReplayed(string callSid, string fallback);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Twilio did not redirect call {CallSid} for a transfer")]
    private partial void LogRedirectFailed(Exception e, string callSid);
}

/// <summary>The transfer routes: the API (admin, technician for their own call) and the signature-checked Twilio webhooks.</summary>
public static class TransferEndpoints
{
    public static RouteGroupBuilder MapTransfers(this RouteGroupBuilder api)
    {
        api.MapPost("/calls/{callSid}/transfer", (string callSid, HttpRequest request, TransferService transfers, CancellationToken ct) =>
                AdminJson.WithBodyAsync<TransferRequest, Accepted<TransferResource>>(request, body => transfers.RequestAsync(callSid, body,
                    KeyScope.IsTechnician(request.HttpContext.User), KeyScope.TechnicianOf(request.HttpContext.User),
                    request.HttpContext.User.Identity?.Name ?? "api", ct), ct))
            .JsonBody<TransferRequest>().RequireAuthorization(TechnicianPolicies.Availability).WithTags("Calls")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/calls/{callSid}/transfers", async (string callSid, TransferService transfers, CancellationToken ct) =>
                TypedResults.Ok(await transfers.ListAsync(callSid, ct)))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Calls");
        return api;
    }

    public static RouteGroupBuilder MapTransferCalls(this RouteGroupBuilder twilio)
    {
        twilio.MapPost("/voice/transfer", ([Microsoft.AspNetCore.Mvc.FromQuery] Guid transfer, TransferService transfers, CancellationToken ct) =>
            transfers.CallerLegAsync(transfer, ct));
        twilio.MapPost("/voice/transfer/whisper", ([Microsoft.AspNetCore.Mvc.FromQuery] Guid transfer, TransferService transfers, CancellationToken ct) =>
            transfers.WhisperAsync(transfer, ct));
        twilio.MapPost("/voice/transfer/answer", async (HttpRequest http, [Microsoft.AspNetCore.Mvc.FromQuery] Guid transfer, TransferService transfers, CancellationToken ct) =>
            await transfers.AnswerAsync(transfer, VoiceRequest.FromForm(await http.ReadFormAsync(ct)).Digits, ct));
        twilio.MapPost("/voice/transfer/leg", async (HttpRequest http, [Microsoft.AspNetCore.Mvc.FromQuery] Guid transfer, [Microsoft.AspNetCore.Mvc.FromQuery] bool? back,
                TransferService transfers, CancellationToken ct) =>
            await transfers.LegStatusAsync(transfer, VoiceRequest.FromForm(await http.ReadFormAsync(ct)), ct, back == true));
        twilio.MapPost("/voice/transfer/ended", async (HttpRequest http, [Microsoft.AspNetCore.Mvc.FromQuery] Guid transfer, [Microsoft.AspNetCore.Mvc.FromQuery] bool? back,
                TransferService transfers, CancellationToken ct) =>
            await transfers.EndedAsync(transfer, VoiceRequest.FromForm(await http.ReadFormAsync(ct)), ct, back == true));
        return twilio;
    }
}
