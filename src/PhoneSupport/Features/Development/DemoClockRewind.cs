using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Development;

/// <summary>
/// The demo restarted with an earlier <c>PHONESUPPORT_START_AT</c> finds state stamped later than its clock: a technician in
/// wrap-up "since" tomorrow, a reservation or a callback lease that runs out next week, a caller queued in the future.
/// Each would hold a technician (or a callback) until the clock catches up, so the first call hears "all busy". Run by the
/// demo data load (the run command, at every start): such technicians are free from now (their state since now, no
/// reservation), such leases end now (a live dispatcher takes the callback over as after a crash), such queue entries are
/// left. History (calls, incidents, charges) is kept as it is. Development only, like the demo data.
/// </summary>
public sealed class DemoClockRewind(PhoneSupportDb db, IOptions<Routing.RoutingOptions> routing, IOptions<Callbacks.CallbackOptions> callbacks, IClock clock)
{
    public sealed record Released(int Technicians, int CallbackLeases, int QueueEntries);

    public async Task<Released> ReleaseFutureStateAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var utc = now.ToDateTimeUtc();
        var reservationEnd = (now + Duration.FromTimeSpan(routing.Value.ReservationTimeout)).ToDateTimeUtc();
        var leaseEnd = (now + Duration.FromTimeSpan(callbacks.Value.LeaseTime)).ToDateTimeUtc();
        // Not composed (ToList, not Single): a data-modifying WITH cannot be wrapped in a subquery.
        var technicians = (await db.Database.SqlQuery<int>($"""
            with released as (
                update technicians
                   set status = case when status in ('reserved', 'busy', 'wrapUp') then 'available' else status end,
                       status_since = {utc}, reserved_call_sid = null, reserved_until = null, version = version + 1
                 where status_since > {utc} or reserved_until > {reservationEnd}
                returning id),
            logged as (
                insert into technician_events (technician_id, at, kind, data)
                select id, {utc}, 'clockMovedBack', jsonb_build_object('status', 'released') from released
                returning 1)
            select count(*)::int as "Value" from logged
            """).ToListAsync(ct))[0];
        var leases = await db.Database.ExecuteSqlAsync(
            $"update callbacks set lease_until = {utc}, version = version + 1 where status = 'dialing' and lease_until > {leaseEnd}", ct);
        var queue = await db.Database.ExecuteSqlAsync(
            $"update queue_entries set status = 'left', updated_at = {utc} where status in ('waiting', 'connecting') and enqueued_at > {utc}", ct);
        return new Released(technicians, leases, queue);
    }
}
