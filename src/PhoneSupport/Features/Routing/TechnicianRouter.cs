using Microsoft.EntityFrameworkCore;
using NodaTime;
using Npgsql;
using PhoneSupport.Features.Platform;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Routing;

/// <summary>A technician reserved for a call.</summary>
public sealed record ReservedTechnician(Guid Id, string Name, string PhoneNumber);

/// <summary>
/// What a call needs from a technician; <paramref name="Only"/> limits the pick to that one technician (a person chose them).
/// <paramref name="Priority"/> is the caller's plan priority (1 first): with it, a free technician is not taken while as many
/// higher-priority callers wait for one (see <see cref="TechnicianRouter.ReserveAsync"/>).
/// <paramref name="Language"/>: the caller's language (a BCP-47 tag); technicians speaking it are preferred, the others still taken.
/// </summary>
public sealed record ReservationRequest(string CallSid, string Provider, string? Skill, Guid? TamTechnicianId, bool OnCallOnly, IReadOnlyList<Guid> Excluded, Guid? Only = null,
    int? Priority = null, string? Language = null);

/// <summary>
/// Picks and reserves technicians in one SQL statement: candidates filtered by provider, skill, the on-call
/// rota outside business hours (a TAM, on call for their accounts, is exempt) and the calls already tried; the account's TAM first, then the one idle
/// longest (among equals, those speaking the caller's language first). <c>FOR UPDATE SKIP LOCKED</c> plus the conditional <c>UPDATE</c> make the pick atomic across any
/// number of instances; a reservation Twilio never connects expires by itself (<see cref="RoutingOptions.ReservationTimeout"/>).
/// </summary>
public sealed class TechnicianRouter(PhoneSupportDb db, IClock clock, Microsoft.Extensions.Options.IOptions<RoutingOptions> options)
{
    /// <summary>
    /// The technician already holding this call (a repeated webhook), else the best candidate reserved now: one
    /// statement, one round trip.
    /// <para>
    /// Plan priority first (PRODUCT.md: Corporate ahead of SmallBusiness/Business, Premier and Proctored ahead of Standard):
    /// a request with a <see cref="ReservationRequest.Priority"/> gets a technician only while the free technicians of the
    /// provider outnumber the callers of a higher priority waiting for one — queue entries still waiting, callbacks due
    /// (or refused a technician and due again within <see cref="RoutingOptions.PriorityLookahead"/>) and callbacks leased
    /// but not yet holding a technician. The count is read in the same statement as the pick, so a live caller, the
    /// queue dispatcher and the callback dispatcher on any instance all see the same waiting callers; a refused request
    /// wakes the higher-priority callback it yielded to (its next attempt is now), so the technician does not idle until
    /// the callback's retry. A request naming its technician (<see cref="ReservationRequest.Only"/>: a person chose) is not held back.
    /// </para>
    /// </summary>
    public async Task<ReservedTechnician?> ReserveAsync(ReservationRequest request, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        var until = (clock.GetCurrentInstant() + Duration.FromTimeSpan(options.Value.ReservationTimeout)).ToDateTimeUtc();
        var wrapUpBefore = (clock.GetCurrentInstant() - Duration.FromTimeSpan(options.Value.WrapUp)).ToDateTimeUtc();
        var excluded = request.Excluded.ToArray();
        var soon = (clock.GetCurrentInstant() + Duration.FromTimeSpan(options.Value.PriorityLookahead)).ToDateTimeUtc();
        var priority = request.Only is null ? request.Priority : null;
        var language = request.Language is null ? null : Domain.Calls.Speech.Primary(request.Language);
        // The event is written in the same statement as the change, so the log's order is the order of the changes.
        var reserved = await db.Database.SqlQuery<ReservedTechnician>($"""
            with held as (
                select id, name, phone_number from technicians where reserved_call_sid = {request.CallSid}),
            ahead as (
                select (select count(*) from queue_entries q
                         where q.status = 'waiting' and q.provider = {request.Provider} and q.priority < {priority}::int and q.call_sid <> {request.CallSid})
                     + (select count(*) from callbacks b
                         where b.provider = {request.Provider} and b.priority < {priority}::int
                           and ((b.status = 'scheduled' and b.not_before <= {now} and b.next_attempt_at <= {soon})
                                or (b.status = 'dialing' and b.dial_started_at is null
                                    and not exists (select 1 from technicians h where h.reserved_call_sid = 'cb-' || replace(b.id::text, '-', '')))))
                       as waiting,
                       (select count(*) from technicians f
                         where {request.Provider} = any (f.providers) and f.active
                           and (f.status = 'available'
                                or (f.status = 'wrapUp' and f.status_since <= {wrapUpBefore})
                                or (f.status = 'reserved' and f.reserved_until < {now}))
                           and (not {request.OnCallOnly} or f.id = {request.TamTechnicianId}::uuid or exists (
                                select 1 from technician_on_call oc where oc.technician_id = f.id and oc.starts_at <= {now} and oc.ends_at > {now})))
                       as free
                 where {priority}::int is not null),
            yielded as (
                update callbacks b set next_attempt_at = {now}
                 where b.status = 'scheduled' and b.provider = {request.Provider} and b.priority < {priority}::int
                   and b.not_before <= {now} and b.next_attempt_at > {now} and b.next_attempt_at <= {soon}
                   and not exists (select 1 from held) and exists (select 1 from ahead where waiting >= free)
                returning b.id),
            candidate as (
                select t.id from technicians t
                where not exists (select 1 from held)
                  and t.active
                  and {request.Provider} = any (t.providers)
                  and ({request.Skill}::text is null or {request.Skill}::text = any (t.skills))
                  and not (t.id = any ({excluded}))
                  and ({request.Only}::uuid is null or t.id = {request.Only}::uuid)
                  and not exists (select 1 from ahead where waiting >= free)
                  and (t.status = 'available'
                       or (t.status = 'wrapUp' and t.status_since <= {wrapUpBefore})
                       or (t.status = 'reserved' and t.reserved_until < {now}))
                  and (not {request.OnCallOnly} or t.id = {request.TamTechnicianId}::uuid or exists (
                       select 1 from technician_on_call oc where oc.technician_id = t.id and oc.starts_at <= {now} and oc.ends_at > {now}))
                order by (t.id = {request.TamTechnicianId}::uuid) desc nulls last, ({language}::text = any (t.languages)) desc nulls last, t.status_since, t.id
                limit 1
                for update skip locked),
            updated as (
                update technicians t
                   set status = 'reserved', status_since = {now}, reserved_call_sid = {request.CallSid}, reserved_until = {until}, version = t.version + 1
                  from candidate
                 where t.id = candidate.id
                returning t.id, t.name, t.phone_number),
            logged as (
                insert into technician_events (technician_id, at, kind, data)
                select id, {now}, 'reserved', jsonb_build_object('callSid', {request.CallSid}::text, 'tam', id = {request.TamTechnicianId}::uuid) from updated)
            select id as "Id", name as "Name", phone_number as "PhoneNumber" from held
            union all
            select id as "Id", name as "Name", phone_number as "PhoneNumber" from updated
            """).ToListAsync(ct);
        return reserved.Count == 0 ? null : reserved[0];
    }

    /// <summary>
    /// A transfer the colleague did not take (decision 013): the first technician, in wrap-up (or available again) after this
    /// very call — their last event is about <paramref name="callSid"/> —, is reserved again under <paramref name="key"/>,
    /// which ends that wrap-up. One statement; a technician who has since been reserved for another call, gone offline or
    /// been taken by another instance is not (null), and a repeated request finds them already held under the key.
    /// </summary>
    public async Task<ReservedTechnician?> ReserveBackAsync(Guid technicianId, string callSid, string key, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        var until = (clock.GetCurrentInstant() + Duration.FromTimeSpan(options.Value.ReservationTimeout)).ToDateTimeUtc();
        var reserved = await db.Database.SqlQuery<ReservedTechnician>($"""
            with held as (
                select id, name, phone_number from technicians where id = {technicianId} and reserved_call_sid = {key}),
            candidate as (
                select t.id from technicians t
                 where t.id = {technicianId} and not exists (select 1 from held)
                   and t.status in ('wrapUp', 'available') and t.reserved_call_sid is null
                   and (select e.data ->> 'callSid' from technician_events e where e.technician_id = t.id order by e.id desc limit 1) = {callSid}
                for update skip locked),
            updated as (
                update technicians t
                   set status = 'reserved', status_since = {now}, reserved_call_sid = {key}, reserved_until = {until}, version = t.version + 1
                  from candidate
                 where t.id = candidate.id and t.status in ('wrapUp', 'available') and t.reserved_call_sid is null
                returning t.id, t.name, t.phone_number),
            logged as (
                insert into technician_events (technician_id, at, kind, data)
                select id, {now}, 'reservedBack', jsonb_build_object('callSid', {key}::text, 'call', {callSid}::text) from updated)
            select id as "Id", name as "Name", phone_number as "PhoneNumber" from held
            union all
            select id as "Id", name as "Name", phone_number as "PhoneNumber" from updated
            """).ToListAsync(ct);
        return reserved.Count == 0 ? null : reserved[0];
    }

    /// <summary>The technician pressed 1 at the whisper: on the call now.</summary>
    public Task<bool> AcceptAsync(Guid technicianId, string callSid, CancellationToken ct) =>
        TransitionAsync(technicianId, callSid, TechnicianStatus.Busy, keepCall: true, "accepted", ct);

    /// <summary>Declined, no answer, busy or failed: free again for the next call.</summary>
    public Task<bool> ReleaseAsync(Guid technicianId, string callSid, string why, CancellationToken ct) =>
        TransitionAsync(technicianId, callSid, TechnicianStatus.Available, keepCall: false, why, ct);

    /// <summary>The call ended: wrap-up before the technician is offered again.</summary>
    public Task<bool> FinishAsync(Guid technicianId, string callSid, CancellationToken ct) =>
        TransitionAsync(technicianId, callSid, TechnicianStatus.WrapUp, keepCall: false, "finished", ct);

    /// <summary>Only the holder of the reservation moves it on; a late or repeated callback changes nothing.</summary>
    private async Task<bool> TransitionAsync(Guid technicianId, string callSid, TechnicianStatus to, bool keepCall, string kind, CancellationToken ct) =>
        await db.ScalarAsync<int>(TransitionCommand(technicianId, callSid, to, keepCall, kind, clock.GetCurrentInstant()), ct) > 0;

    /// <summary>
    /// The transition as one statement (also in the IVR step's write batch): the technician moves to <paramref name="to"/> only
    /// while holding <paramref name="key"/>, with its event; answers how many moved (0 or 1).
    /// </summary>
    public static NpgsqlBatchCommand TransitionCommand(Guid technicianId, string key, TechnicianStatus to, bool keepCall, string kind, Instant now)
    {
        var command = new NpgsqlBatchCommand("""
            with updated as (
                update technicians
                   set status = $3, status_since = $4, reserved_until = null, version = version + 1,
                       reserved_call_sid = case when $6 then reserved_call_sid else null end
                 where id = $1 and reserved_call_sid = $2 and status <> $3
                returning id),
            logged as (
                insert into technician_events (technician_id, at, kind, data)
                select id, $4, $5, jsonb_build_object('callSid', $2::text, 'status', $3::text) from updated)
            select count(*)::int from updated
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = technicianId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = to.Text() });
        command.Parameters.Add(new NpgsqlParameter<Instant> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = kind });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = keepCall });
        return command;
    }

}

/// <summary><c>PhoneSupport:Routing</c>.</summary>
public sealed class RoutingOptions
{
    public const string Section = "PhoneSupport:Routing";

    /// <summary><c>PhoneSupport:Routing:WrapUp</c>: pause after each call before a technician is offered again.</summary>
    public TimeSpan WrapUp { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a reservation holds if Twilio never connects the technician.</summary>
    public TimeSpan ReservationTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A scheduled callback whose next attempt is this close still counts as waiting for a technician when a lower-priority
    /// caller asks for one (it was refused a technician and retries after <c>PhoneSupport:Callbacks:NoTechnicianRetry</c>, 1 minute).
    /// </summary>
    public TimeSpan PriorityLookahead { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many technicians one call tries before falling back to the queue or a callback.</summary>
    public int MaxTechniciansPerCall { get; set; } = 3;

    /// <summary>How long a technician's phone rings (Dial <c>timeout</c>, seconds).</summary>
    public int RingSeconds { get; set; } = 20;
}
