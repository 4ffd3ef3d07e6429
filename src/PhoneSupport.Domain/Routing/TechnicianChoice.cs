using PhoneSupport.Domain.Calls;

namespace PhoneSupport.Domain.Routing;

/// <summary>
/// Which free technician a live call gets (decision 007's rules, decided here and applied with a version check): the
/// provider's technicians free now, with the call's skill, not tried on this call, on call outside business hours (a TAM,
/// on call for their accounts, is exempt); the account's TAM first, then those speaking the caller's language, then the one
/// idle longest, then by id (as PostgreSQL orders uuids). With a plan <paramref name="Priority"/> (1 first), nobody is
/// taken while as many higher-priority callers wait for a technician as there are free ones: the call is
/// <see cref="Choice.HeldBack"/>.
/// </summary>
public static class TechnicianChoice
{
    /// <summary>
    /// The technician chosen, whether the call was held back, and the eligible technicians in the order they would be chosen
    /// (the chosen one first, at most <see cref="MaxCandidates"/>): the reservation takes the first of them still free when it is
    /// written, so parallel calls that chose the same one each get the next instead of taking the step again (decision 017).
    /// </summary>
    public sealed record Choice(PoolTechnician? Technician, bool HeldBack)
    {
        public IReadOnlyList<PoolTechnician> Candidates { get; init; } = [];
    }

    /// <summary>Enough for every call in flight on a busy line to find one still free without taking its step again.</summary>
    public const int MaxCandidates = 32;

    /// <param name="attempt">
    /// The step's attempt (1 first). A step taken again because the technician it chose was taken meanwhile by a parallel call
    /// (decision 017) picks among the best <paramref name="attempt"/> candidates by its call's hash (<paramref name="spreadKey"/>), so
    /// parallel callers stop choosing the same one; the first attempt always takes the best.
    /// </param>
    public static Choice Choose(TechnicianPoolFact pool, string? skill, Guid? tam, bool onCallOnly, IReadOnlyCollection<Guid> excluded, int? priority, string? language,
        PoolTechnician? releasedNow = null, int attempt = 1, string spreadKey = "")
    {
        bool OnCall(PoolTechnician t) => !onCallOnly || t.Id == tam || t.OnCallNow;
        if (priority is { } p)
        {
            var waiting = pool.Waiting.Where(w => w.Priority < p).Sum(w => w.Count);
            // A technician this call lets go now is free again for the count, as when the release ran first.
            var free = pool.Free.Count(OnCall) + (releasedNow is { } r && OnCall(r) && pool.Free.All(t => t.Id != r.Id) ? 1 : 0);
            if (waiting >= free) return new Choice(null, HeldBack: true);
        }
        var primary = language is null ? null : Speech.Primary(language);
        var ordered = pool.Free
            .Where(t => OnCall(t) && (skill is null || t.Skills.Contains(skill)) && !excluded.Contains(t.Id))
            .OrderByDescending(t => tam is not null && t.Id == tam)
            .ThenByDescending(t => primary is not null && t.Languages.Contains(primary))
            .ThenBy(t => t.StatusSince)
            .ThenBy(t => t.Id.ToString("N"), StringComparer.Ordinal)
            .ToList();
        if (ordered.Count == 0) return new Choice(null, HeldBack: false);
        var best = ordered.Take(Math.Max(1, attempt)).ToList();
        var pick = best[(int)(Spread(spreadKey) % (uint)best.Count)];
        return new Choice(pick, HeldBack: false) { Candidates = [pick, .. ordered.Where(t => t.Id != pick.Id).Take(MaxCandidates - 1)] };
    }

    /// <summary>FNV-1a of the key: the same on every instance and run.</summary>
    private static uint Spread(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key) hash = (hash ^ c) * 16777619u;
        return hash;
    }
}
