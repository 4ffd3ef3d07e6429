using System.Globalization;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Features.CallCore;

namespace PhoneSupport.Features.Sla;

/// <summary>
/// Keeps SLA records: opened in the same unit of work as the decision that carries a response target, and given their
/// first human contact by one conditional statement (the earliest contact wins, whatever order Twilio's webhooks come in).
/// </summary>
public sealed class SlaRecorder(PhoneSupportDb db, IClock clock)
{
    /// <summary>
    /// A decision with a response target (<c>slaTarget</c> in its event) among this webhook's events: the call's record is
    /// added (or, decided again before any contact, updated) on the tracked context; the caller saves it with the call.
    /// </summary>
    public async Task RecordDecisionAsync(CallRecord call, CallSession session, IEnumerable<IvrEvent> events, CancellationToken ct)
    {
        if (events.LastOrDefault(e => e.Kind == "decision") is not { } decision
            || decision.Data.GetValueOrDefault("slaTarget") is not { Length: > 0 } target
            || !int.TryParse(decision.Data.GetValueOrDefault("severity"), CultureInfo.InvariantCulture, out var severity)
            || InstantPattern.ExtendedIso.Parse(decision.Data.GetValueOrDefault("callbackDueAt") ?? "") is not { Success: true } due)
            return;
        var plan = session.Var("membership") ?? "";
        var clockName = decision.Data.GetValueOrDefault("clock") ?? "24x7";
        var version = decision.Data.GetValueOrDefault("policyVersion") ?? "";
        var now = clock.GetCurrentInstant();
        var existing = db.SlaRecords.Local.FirstOrDefault(s => s.CallSid == call.CallSid)
            ?? await db.SlaRecords.FirstOrDefaultAsync(s => s.CallSid == call.CallSid, ct);
        if (existing is not null) existing.Redecide(plan, severity, target, clockName, due.Value, version, now);
        else db.SlaRecords.Add(new SlaRecord(call.CallSid, call.Provider, Guid.TryParse(session.Var("accountId"), out var account) ? account : null,
            plan, severity, target, clockName, call.StartedAt, due.Value, version, now));
    }

    /// <summary>
    /// A human contact for the call that made the promise (<paramref name="callSid"/>) at <paramref name="at"/>: kept when it is
    /// the first, or earlier than the one recorded (a late webhook). <c>met</c> is decided with it. No record (a plan without
    /// targets): nothing happens. Returns whether the record changed.
    /// </summary>
    public async Task<bool> ContactAsync(string callSid, Instant at, SlaContact kind, CancellationToken ct)
    {
        var when = at.ToDateTimeUtc();
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        var by = kind.Text();
        var changed = await db.Database.ExecuteSqlAsync($"""
            update sla_records
               set first_contact_at = {when}, first_contact = {by}, met = {when} <= due_at, updated_at = {now}
             where call_sid = {callSid} and (first_contact_at is null or first_contact_at > {when})
            """, ct);
        return changed > 0;
    }
}
