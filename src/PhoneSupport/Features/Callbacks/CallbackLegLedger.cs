using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Features.Callbacks;

/// <summary>Whether a technician leg is the callback's current one.</summary>
public enum LegStanding
{
    /// <summary>The callback's current leg (adopted now or before).</summary>
    Current,

    /// <summary>
    /// Not the callback's current leg: a late or repeated create (recorded as a stray the first time it is seen), or the
    /// leg of an attempt that is over. Hung up if still up, never offered.
    /// </summary>
    NotCurrent,

    /// <summary>No such callback.</summary>
    Unknown,
}

/// <summary>
/// The ledger of technician legs (table <c>callback_legs</c>, decision 011): every leg Twilio created for a callback is
/// recorded by its sid the first time we hear of it — the create's answer, its status callback or TwiML request (Twilio
/// sends <c>initiated</c> as it starts the call, so a leg whose creator died is known within a second), or a look-up at
/// Twilio. The first leg of the current attempt is adopted as the callback's leg by a conditional update, so exactly one
/// leg per attempt is ever offered; any other is a stray and is hung up.
/// </summary>
public sealed class CallbackLegLedger(PhoneSupportDb db, ITwilioRestClient twilio, FlowCatalog flows, IClock clock, ILogger<CallbackLegLedger> logger)
{
    /// <summary>Twilio's and our clocks may differ this much when matching a leg's creation time to a dial intent.</summary>
    public static readonly Duration ClockSkew = Duration.FromMinutes(2);

    /// <summary>
    /// Records the leg (once: the first sight decides whether it is a stray) and answers whether it is the callback's current leg. A callback dialling with a saved intent
    /// to <paramref name="to"/> and no leg yet adopts this one (one conditional update: of two racing legs, one wins).
    /// </summary>
    public async Task<LegStanding> RecordAsync(Guid callbackId, string legSid, string? to, string source, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var at = now.ToDateTimeUtc();
        var adopted = to is null ? [] : await db.Database.SqlQuery<int>($"""
            update callbacks set twilio_call_sid = {legSid}, updated_at = {at}, version = version + 1
             where id = {callbackId} and status = 'dialing' and twilio_call_sid is null and dial_started_at is not null and dial_to = {to}
            returning attempts as "Value"
            """).ToListAsync(ct);
        var callback = await db.Callbacks.AsNoTracking().Where(c => c.Id == callbackId)
            .Select(c => new { c.CallSid, c.Status, c.TwilioCallSid, c.TechnicianId, c.Attempts }).FirstOrDefaultAsync(ct);
        if (callback is null) return LegStanding.Unknown;
        var current = callback.Status == CallbackStatus.Dialing && callback.TwilioCallSid == legSid;
        var recorded = await db.Database.ExecuteSqlAsync($"""
            insert into callback_legs (call_sid, callback_id, technician_id, attempt, source, stray, created_at)
            values ({legSid}, {callbackId}, {callback.TechnicianId}, {callback.Attempts}, {source}, {!current}, {at})
            on conflict (call_sid) do nothing
            """, ct);
        if (adopted.Count > 0)
            db.CallEvents.Add(new CallEventRecord(callback.CallSid, now, "callbackDialing",
                JsonSerializer.Serialize(new { technicianId = callback.TechnicianId, attempt = callback.Attempts, legSid, source })));
        else if (!current && recorded > 0)
            db.CallEvents.Add(new CallEventRecord(callback.CallSid, now, "callbackStrayLeg",
                JsonSerializer.Serialize(new { legSid, source, status = callback.Status.Wire(), currentLeg = callback.TwilioCallSid })));
        if (db.ChangeTracker.HasChanges()) await db.SaveChangesAsync(ct);
        return current ? LegStanding.Current : LegStanding.NotCurrent;
    }

    /// <summary>Hangs up a stray leg (ringing: cancelled; answered: ended). A leg that has ended already is left alone.</summary>
    public async Task HangUpAsync(string legSid, CancellationToken ct)
    {
        try
        {
            await twilio.UpdateCallAsync(legSid, new UpdateCallOptions { Status = UpdateCallStatus.Completed }, ct);
            logger.LogInformation("Stray callback leg {LegSid} hung up", legSid);
        }
        catch (Exception e) when (e is TwilioApiException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Hanging up stray callback leg {LegSid} failed; its TwiML refuses it if answered", legSid);
        }
    }

    /// <summary>
    /// A leg Twilio may have created for the callback's current intent, found by number and time: calls to the intended
    /// technician from the line's number, created since the intent (minus <see cref="ClockSkew"/>), that the ledger does not
    /// give to another callback. The technician is reserved for this callback meanwhile, so no other callback dials them.
    /// Newest first; null when Twilio has none.
    /// </summary>
    public async Task<CallResource?> FindAtTwilioAsync(Callback callback, CancellationToken ct)
    {
        if (callback.DialTo is not { } to || callback.DialStartedAt is not { } since) return null;
        var from = flows.Flows.First(f => f.Provider == callback.Provider).Numbers[0];
        var calls = await twilio.ListCallsAsync(new ListCallsOptions { To = to, From = from, PageSize = 50, Limit = 50 }, ct);
        var after = (since - ClockSkew).ToDateTimeOffset();
        var candidates = calls.Where(c => c.DateCreated is null || c.DateCreated >= after).ToList();
        if (candidates.Count == 0) return null;
        var sids = candidates.Select(c => c.Sid).ToList();
        var others = await db.CallbackLegs.AsNoTracking().Where(l => sids.Contains(l.CallSid) && l.CallbackId != callback.Id).Select(l => l.CallSid).ToListAsync(ct);
        return candidates.Where(c => !others.Contains(c.Sid)).OrderByDescending(c => c.DateCreated).FirstOrDefault();
    }
}
