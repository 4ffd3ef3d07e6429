using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Data;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Voice;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Features.Callbacks;

/// <summary>
/// Callbacks at risk: an open callback within <see cref="CallbackOptions.EscalationLeadTime"/> of its due instant (on the
/// coverage clock when its SLA record runs on it) is flagged once, by a conditional update any instance may race, with a
/// <c>callbackEscalated</c> call event, and texted to <see cref="CallbackOptions.EscalationPhoneNumber"/> when one is set.
/// </summary>
public sealed class CallbackEscalation(PhoneSupportDb db, ITwilioRestClient twilio, PolicyCatalog policies, FlowCatalog flows, IOptions<CallbackOptions> options,
    IClock clock, ILogger<CallbackEscalation> logger)
{
    /// <summary>Flags and texts up to 20 callbacks at risk per clock (most urgent first).</summary>
    public async Task EscalateAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var threshold = now + Duration.FromTimeSpan(options.Value.EscalationLeadTime);
        var atRisk = await db.Callbacks.Where(c => !c.AtRisk && (c.Status == CallbackStatus.Scheduled || c.Status == CallbackStatus.Dialing) && c.DueAt <= threshold)
            .OrderBy(c => c.DueAt).Take(20).ToListAsync(ct);
        // A callback whose SLA record runs on the coverage clock has only coverage hours left: due Friday 10:00, it is at risk at
        // Thursday 19:50 with a 15-minute lead time (10 minutes before closing and the first hours of Friday count), not at 09:45.
        foreach (var policy in policies.Policies)
        {
            var coverageThreshold = new SlaClock(ClockKind.Coverage, policy.Coverage, Duration.FromHours(24))
                .DueAt(now, ResponseTarget.Of(Duration.FromTimeSpan(options.Value.EscalationLeadTime)));
            if (coverageThreshold <= threshold) continue; // inside coverage, the lead time before closing: both clocks agree
            atRisk.AddRange(await db.Callbacks.Where(c => c.Provider == policy.Provider && !c.AtRisk
                    && (c.Status == CallbackStatus.Scheduled || c.Status == CallbackStatus.Dialing) && c.DueAt > threshold && c.DueAt <= coverageThreshold
                    && db.SlaRecords.Any(r => r.CallSid == c.CallSid && r.Clock == "coverage"))
                .OrderBy(c => c.DueAt).Take(20).ToListAsync(ct));
        }
        foreach (var callback in atRisk)
        {
            var flagged = await db.Callbacks.Where(c => c.Id == callback.Id && !c.AtRisk)
                .ExecuteUpdateAsync(c => c.SetProperty(x => x.AtRisk, true).SetProperty(x => x.EscalatedAt, now), ct);
            if (flagged == 0) continue;
            db.CallEvents.Add(new CallEventRecord(callback.CallSid, now, "callbackEscalated", JsonSerializer.Serialize(new { callbackId = callback.Id, dueAt = callback.DueAt.ToString() })));
            await db.SaveChangesAsync(ct);
            if (options.Value.EscalationPhoneNumber is not { Length: > 0 } to) continue;
            var from = flows.Flows.First(f => f.Provider == callback.Provider).Numbers[0];
            try
            {
                await twilio.CreateMessageAsync(new CreateMessageOptions(to)
                {
                    From = from,
                    Body = $"PhoneSupport: callback {callback.Id.ToString()[^12..]} ({callback.Provider}, {callback.Reason}) is due {callback.DueAt} UTC and not yet kept.",
                }, ct);
            }
            catch (Exception e) when (e is TwilioApiException or TwilioCreateOutcomeUnknownException or HttpRequestException)
            {
                logger.LogWarning(e, "The escalation SMS for callback {Callback} failed; it stays flagged at risk", callback.Id);
            }
        }
    }
}
