using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Admin;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Platform;
using PhoneSupport.Features.Queue;
using PhoneSupport.Features.Routing;

namespace PhoneSupport.Features.Console;

public sealed record BoardCall(string CallSid, string Provider, string From, string? AccountName, string Where, Duration Age);

public sealed record BoardQueue(string Provider, int Waiting, Duration LongestWait);

public sealed record BoardTechnician(string Name, TechnicianStatus Status, Duration For, string Providers);

public sealed record Board(
    Instant Now, IReadOnlyList<BoardCall> Calls, IReadOnlyList<BoardQueue> Queues, IReadOnlyList<BoardTechnician> Technicians,
    IReadOnlyDictionary<TechnicianStatus, int> TechniciansByState, IReadOnlyList<QueuedCallback> CallbacksAtRisk, int OpenCallbacks);

/// <summary>
/// The wall-screen board: calls in progress (started in the last few hours and not ended), queue lengths and the
/// longest wait per provider, technicians by state (as routing sees them, through <see cref="TechniciansHandler"/>),
/// and the callbacks at risk. Read-only; refreshed by the page every few seconds.
/// </summary>
public sealed class LiveBoard(PhoneSupportDb db, TechniciansHandler technicians, TechnicianDesk desk, IClock clock)
{
    /// <summary>Calls older than this without an end are stale (a lost status callback), not live.</summary>
    private static readonly Duration Recent = Duration.FromHours(6);

    public async Task<Board> ReadAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var since = now - Recent;
        var open = await (from c in db.Calls.AsNoTracking()
                          where c.EndedAt == null && c.StartedAt >= since
                          join a in db.Accounts on c.AccountId equals a.Id into accounts
                          from a in accounts.DefaultIfEmpty()
                          orderby c.StartedAt
                          select new { c.CallSid, c.Provider, c.FromNumber, c.Step, c.StartedAt, Account = a == null ? null : a.Name }).Take(100).ToListAsync(ct);
        var sids = open.Select(c => c.CallSid).ToList();
        var holders = await db.Technicians.AsNoTracking().Where(t => t.ReservedCallSid != null && sids.Contains(t.ReservedCallSid))
            .Select(t => new { t.ReservedCallSid, t.Name, t.Status }).ToListAsync(ct);
        var queued = await db.QueueEntries.AsNoTracking().Where(q => q.Status == QueueStatus.Waiting || q.Status == QueueStatus.Connecting)
            .Select(q => new { q.CallSid, q.Provider, q.EnqueuedAt }).ToListAsync(ct);
        var calls = open.Select(c =>
        {
            var holder = holders.FirstOrDefault(h => h.ReservedCallSid == c.CallSid);
            var where = holder is not null ? $"{(holder.Status == TechnicianStatus.Busy ? "with" : "ringing")} {holder.Name}"
                : queued.Any(q => q.CallSid == c.CallSid) ? "in the queue"
                : $"IVR: {c.Step}";
            return new BoardCall(c.CallSid, c.Provider, PhoneRedaction.Redact(c.FromNumber), c.Account, where, now - c.StartedAt);
        }).ToList();

        var queues = queued.GroupBy(q => q.Provider).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new BoardQueue(g.Key, g.Count(), now - g.Min(q => q.EnqueuedAt))).ToList();

        var team = (await technicians.ListAsync("500", null, null, ct)).Result is Microsoft.AspNetCore.Http.HttpResults.Ok<Page<TechnicianResource>> ok
            ? ok.Value!.Items : [];
        var byState = Enum.GetValues<TechnicianStatus>().ToDictionary(s => s, s => team.Count(t => t.Status == s.Text()));
        var people = team.Select(t => (Resource: t, Status: StoredText<TechnicianStatus>.Parse(t.Status)))
            .OrderBy(t => StateOrder(t.Status)).ThenBy(t => t.Resource.Name, StringComparer.Ordinal)
            .Select(t => new BoardTechnician(t.Resource.Name, t.Status, now - ConsoleFormat.ParseInstant(t.Resource.StatusSince), string.Join(", ", t.Resource.Providers))).ToList();

        var callbacks = await desk.QueueAsync(null, ct);
        return new Board(now, calls, queues, people, byState, [.. callbacks.Where(c => c.AtRisk)], callbacks.Count);
    }

    private static int StateOrder(TechnicianStatus status) => status switch
    {
        TechnicianStatus.Busy => 0,
        TechnicianStatus.Reserved => 1,
        TechnicianStatus.WrapUp => 2,
        TechnicianStatus.Available => 3,
        _ => 4,
    };
}
