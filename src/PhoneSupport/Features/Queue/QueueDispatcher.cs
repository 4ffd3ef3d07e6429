using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Configuration;
using PhoneSupport.Data;
using PhoneSupport.Features.Routing;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Features.Queue;

/// <summary>
/// Twilio's queues are first-in-first-out; ours is not. When a technician is free, the first caller in the
/// database order (priority, severity, arrival) gets them: the technician is reserved for that call, the
/// entry locked with <c>FOR UPDATE SKIP LOCKED</c> (so two instances never pick the same caller), and the
/// call is redirected out of <c>&lt;Enqueue&gt;</c> through the REST API to the connect URL.
/// </summary>
public sealed class QueueDispatcher(
    PhoneSupportDb db, TechnicianRouter router, ITwilioRestClient twilio, IOptions<PhoneSupportOptions> service, IClock clock, ILogger<QueueDispatcher> logger)
{
    public const string ConnectPath = "/twilio/voice/queue/connect";

    public async Task<int> DispatchOnceAsync(CancellationToken ct)
    {
        var connected = 0;
        for (var i = 0; i < 20; i++)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var next = await db.QueueEntries.FromSql($"""
                select * from queue_entries where status = 'waiting'
                order by priority, severity, enqueued_at limit 1 for update skip locked
                """).AsTracking().ToListAsync(ct) is [var first, ..] ? first : null;
            if (next is null) return connected;
            // The caller's language (chosen in the IVR): technicians speaking it are offered the call first.
            var language = await db.Calls.Where(c => c.CallSid == next.CallSid).Select(c => c.Language).FirstOrDefaultAsync(ct);
            var technician = await router.ReserveAsync(new ReservationRequest(next.CallSid, next.Provider, null, null, next.OnCallOnly, [], Priority: next.Priority, Language: language), ct);
            if (technician is null)
            {
                // Nobody free for this provider; callers of other providers may still be served.
                await tx.RollbackAsync(ct);
                if (!await OtherProvidersWaitingAsync(next.Provider, ct)) return connected;
                continue;
            }
            next.Status = QueueStatus.Connecting;
            next.TechnicianId = technician.Id;
            next.UpdatedAt = clock.GetCurrentInstant();
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            try
            {
                await twilio.UpdateCallAsync(next.CallSid, UpdateCallOptions.Redirect(new Uri($"{service.Value.BaseUrl}{ConnectPath}?call={next.CallSid}"), HttpMethod.Post), ct);
                connected++;
            }
            catch (Exception e) when (e is TwilioApiException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                logger.LogWarning(e, "Redirecting queued call {CallSid} failed; it goes back in line", next.CallSid);
                await router.ReleaseAsync(technician.Id, next.CallSid, "redirectFailed", ct);
                await db.QueueEntries.Where(q => q.CallSid == next.CallSid && q.Status == QueueStatus.Connecting)
                    .ExecuteUpdateAsync(q => q.SetProperty(x => x.Status, e is TwilioApiException { Status: 404 } ? QueueStatus.Left : QueueStatus.Waiting), ct);
                return connected;
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
        return connected;
    }

    private Task<bool> OtherProvidersWaitingAsync(string provider, CancellationToken ct) =>
        db.QueueEntries.AnyAsync(q => q.Status == QueueStatus.Waiting && q.Provider != provider, ct);
}

/// <summary>Runs <see cref="QueueDispatcher.DispatchOnceAsync"/> every <see cref="QueueOptions.PollInterval"/>.</summary>
public sealed class QueueDispatcherService(IServiceScopeFactory scopes, IOptions<QueueOptions> options, TimeProvider time, ILogger<QueueDispatcherService> logger)
    : Platform.PollingService<QueueDispatcher>(scopes, time, logger)
{
    protected override bool Enabled => options.Value.DispatcherEnabled;

    protected override TimeSpan Interval => options.Value.PollInterval;

    protected override Task PassAsync(QueueDispatcher worker, CancellationToken ct) => worker.DispatchOnceAsync(ct);
}
