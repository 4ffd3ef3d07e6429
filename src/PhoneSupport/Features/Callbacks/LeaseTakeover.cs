using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Data;
using PhoneSupport.Features.Routing;
using PhoneSupport.Features.Voice;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Features.Callbacks;

/// <summary>
/// A callback leased from an instance whose lease ran out (a killed instance). That instance saved its dial intent before
/// asking Twilio for the technician leg; the leg is known by its sid if the create's answer or the leg's first status
/// callback was recorded, else it is looked for at Twilio. A leg still up is waited for (the lease renewed); nothing is
/// dialled while one may be ringing. An ended leg fails the attempt; an intent Twilio has no leg for is tried again.
/// </summary>
public sealed class LeaseTakeover(PhoneSupportDb db, CallbackLeases leases, CallbackLegLedger legs, ITwilioRestClient twilio, TechnicianRouter router,
    IOptions<CallbackOptions> options, IClock clock)
{
    /// <summary>
    /// Settles what a previous holder of <paramref name="callback"/>'s lease left: null when that was it (waiting or given
    /// back); otherwise the callback (reloaded when a leg was just recorded), to be dialled afresh.
    /// </summary>
    public async Task<Callback?> TakeOverAsync(Callback callback, Instant now, CancellationToken ct)
    {
        var id = callback.Id;
        if (callback.TwilioCallSid is null && callback.DialStartedAt is not null
            && await legs.FindAtTwilioAsync(callback, ct) is { } found
            && await legs.RecordAsync(id, found.Sid, callback.DialTo, "lookup", ct) is LegStanding.Current)
        {
            db.ChangeTracker.Clear();
            callback = await db.Callbacks.FirstAsync(c => c.Id == id, ct);
        }
        if (callback.TwilioCallSid is { } previous)
        {
            var leg = await twilio.FetchCallAsync(previous, ct);
            if (leg is not null && !CallStatus.IsTerminal(leg.Status))
            {
                await leases.RenewAsync(id, now, ct);
                return null;
            }
            if (callback.TechnicianId is { } held) await router.ReleaseAsync(held, TechnicianLegDialler.Key(callback), "leaseTakenOver", ct);
            callback.AttemptFailed(now, now, options.Value.MaxAttempts + 1);
            await db.SaveAsync(callback, "callbackRetried", new { reason = "lease expired" }, clock.GetCurrentInstant(), ct);
            return null;
        }
        if (callback.DialStartedAt is not null)
        {
            // The intent was saved but Twilio has no leg for it: the create never happened. Try again (same technician or not).
            if (callback.TechnicianId is { } held) await router.ReleaseAsync(held, TechnicianLegDialler.Key(callback), "leaseTakenOver", ct);
            callback.Postpone(now, now, countAttempt: false);
            await db.SaveAsync(callback, "callbackRetried", new { reason = "lease expired; no technician leg at Twilio" }, clock.GetCurrentInstant(), ct);
            return null;
        }
        return callback;
    }
}
