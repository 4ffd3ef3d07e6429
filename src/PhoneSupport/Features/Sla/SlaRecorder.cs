using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Sla;

/// <summary>
/// Keeps SLA records: opened with the decision that carries a response target (the IVR step's <c>RecordSlaDecision</c>
/// effect, in its write batch — Voice/CallStepWriter), and given their first human contact by one conditional statement (the earliest contact wins, whatever order Twilio's webhooks come in).
/// </summary>
public sealed class SlaRecorder(PhoneSupportDb db, IClock clock)
{
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
