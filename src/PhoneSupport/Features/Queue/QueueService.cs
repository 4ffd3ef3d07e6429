using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Routing;

namespace PhoneSupport.Features.Queue;

/// <summary>The queue's order and what a holding caller is told: position and estimated wait.</summary>
public sealed class QueueService(PhoneSupportDb db, IOptions<QueueOptions> options)
{
    /// <summary>1-based place in line (null when not waiting) and the estimated wait.</summary>
    public async Task<(int? Position, Duration Estimate, QueueEntry? Entry)> PositionAsync(string callSid, CancellationToken ct)
    {
        var entry = await db.QueueEntries.AsNoTracking().FirstOrDefaultAsync(e => e.CallSid == callSid, ct);
        if (entry is not { Status: QueueStatus.Waiting }) return (null, Duration.Zero, entry);
        var ahead = await db.QueueEntries.CountAsync(e => e.Provider == entry.Provider && e.Status == QueueStatus.Waiting &&
            (e.Priority < entry.Priority || e.Priority == entry.Priority && (e.Severity < entry.Severity ||
                e.Severity == entry.Severity && e.EnqueuedAt < entry.EnqueuedAt)), ct);
        var serving = Math.Max(1, await db.Technicians.CountAsync(t => t.Providers.Contains(entry.Provider) && t.Status != TechnicianStatus.Offline, ct));
        var estimate = Duration.FromTimeSpan(options.Value.AverageHandleTime) * (ahead + 1) / serving;
        return (ahead + 1, estimate, entry);
    }
}

/// <summary><c>PhoneSupport:Queue</c>.</summary>
public sealed class QueueOptions
{
    public const string Section = "PhoneSupport:Queue";

    /// <summary>Average talk time per call, for the estimated wait.</summary>
    public TimeSpan AverageHandleTime { get; set; } = TimeSpan.FromMinutes(8);

    /// <summary>After holding this long, the caller hears "press 1 to keep holding, 2 for a callback".</summary>
    public TimeSpan OfferCallbackAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often each instance looks for a free technician for the first caller in line.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether this instance runs the dispatcher loop (tests drive it by hand).</summary>
    public bool DispatcherEnabled { get; set; } = true;
}
