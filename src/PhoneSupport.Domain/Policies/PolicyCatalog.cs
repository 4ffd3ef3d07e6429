using System.Collections.Frozen;
using System.Collections.Immutable;
using NodaTime;
using PhoneSupport.Domain.Flows;

namespace PhoneSupport.Domain.Policies;

/// <summary>
/// The loaded support policies: per provider its versions ordered by effective instant (decision 018). The files are
/// the base (each file's policy is one version); published versions are laid in with <see cref="UseVersions"/> and
/// run-time closures over every version's calendar with <see cref="UseClosures"/>. Each swaps the whole set at once
/// (readers see the old set or the new one, never a mix within one policy). <see cref="For"/> is the version effective
/// now (by the clock given with <see cref="UseClock"/>; without one, the files' own); <see cref="At"/> the one effective
/// at an instant; <see cref="Version"/> a named one. The earliest version of a provider also answers before its instant.
/// Refuses the set when a file is broken or a provider repeats.
/// </summary>
public sealed class PolicyCatalog
{
    private readonly IReadOnlyList<SupportPolicy> _files;
    private readonly object _swap = new();
    private IReadOnlyList<PolicyVersionEntry> _published = [];
    private IReadOnlyList<(string Provider, Closure Closure)> _closures = [];
    private volatile Snapshot _current;
    private IClock? _clock;

    private PolicyCatalog(IReadOnlyList<SupportPolicy> policies)
    {
        _files = policies;
        _current = Build(policies, [], []);
    }

    /// <summary>Each provider's policy effective now (the files' own without a clock).</summary>
    public IReadOnlyList<SupportPolicy> Policies
    {
        get
        {
            var snapshot = _current;
            return _clock is { } clock ? [.. _files.Select(f => snapshot.At(f.Provider, clock.GetCurrentInstant())!)] : snapshot.Files;
        }
    }

    /// <summary>The version of <paramref name="provider"/> effective now.</summary>
    public SupportPolicy? For(string provider) =>
        _clock is { } clock ? _current.At(provider, clock.GetCurrentInstant()) : _current.FileOf(provider);

    /// <summary>The version of <paramref name="provider"/> effective at <paramref name="instant"/> (a call's answered instant).</summary>
    public SupportPolicy? At(string provider, Instant instant) => _current.At(provider, instant);

    /// <summary>A named version of <paramref name="provider"/> (withdrawn ones are not held); null when unknown.</summary>
    public SupportPolicy? Version(string provider, string? version) =>
        version is null ? null : _current.ByVersion.GetValueOrDefault((provider, version));

    /// <summary>The version a call, incident or charge recorded; the one effective at <paramref name="fallback"/> when it is not held.</summary>
    public SupportPolicy? Decided(string provider, string? version, Instant fallback) => Version(provider, version) ?? At(provider, fallback);

    /// <summary><paramref name="provider"/>'s versions in effect order, with closures laid over (withdrawn ones left out).</summary>
    public IReadOnlyList<PolicyVersionEntry> Versions(string provider) => _current.ByProvider.GetValueOrDefault(provider) ?? [];

    /// <summary>The policy as its file says, without run-time closures.</summary>
    public SupportPolicy? FromFile(string provider) => _files.FirstOrDefault(p => p.Provider == provider);

    /// <summary>The files' policies (the base versions this instance was started with).</summary>
    public IReadOnlyList<SupportPolicy> Files => _files;

    /// <summary>Makes <see cref="For"/> and <see cref="Policies"/> answer the version effective at the clock's now.</summary>
    public PolicyCatalog UseClock(IClock clock)
    {
        _clock = clock;
        return this;
    }

    /// <summary>
    /// Lays these closures over every version's calendar (each provider's own; a provider without any gets its versions'
    /// calendars back). Pure: it only replaces the in-memory set.
    /// </summary>
    public void UseClosures(IEnumerable<(string Provider, Closure Closure)> closures)
    {
        lock (_swap)
        {
            _closures = [.. closures];
            _current = Build(_files, _published, _closures);
        }
    }

    /// <summary>
    /// Replaces the published versions (the stored ones, withdrawn left out). A version with a file's provider and version
    /// string is this instance's file (its text is what this instance runs); a provider without a file here is ignored
    /// (this instance serves no flow of it); a file whose version is not among them keeps answering since forever.
    /// </summary>
    public void UseVersions(IEnumerable<PolicyVersionEntry> versions)
    {
        lock (_swap)
        {
            _published = [.. versions];
            _current = Build(_files, _published, _closures);
        }
    }

    private static Snapshot Build(IReadOnlyList<SupportPolicy> files, IReadOnlyList<PolicyVersionEntry> published, IReadOnlyList<(string Provider, Closure Closure)> closures)
    {
        var closed = closures.GroupBy(c => c.Provider, c => c.Closure).ToDictionary(g => g.Key, g => g.ToList());
        SupportPolicy Closed(SupportPolicy p) =>
            closed.TryGetValue(p.Provider, out var list) ? p with { Coverage = p.Coverage.WithClosures(list) } : p;

        var byProvider = new Dictionary<string, IReadOnlyList<PolicyVersionEntry>>();
        foreach (var file in files)
        {
            var versions = published.Where(v => v.Policy.Provider == file.Provider)
                .Select(v => v.Policy.Version == file.Version ? v with { Policy = file } : v)
                .ToList();
            if (!versions.Any(v => v.Policy.Version == file.Version))
                versions.Add(new PolicyVersionEntry(file, Instant.MinValue));
            byProvider[file.Provider] = [.. versions.OrderBy(v => v.EffectiveFrom).ThenBy(v => v.Policy.Version, StringComparer.Ordinal)
                .Select(v => v with { Policy = Closed(v.Policy) })];
        }
        return new Snapshot([.. files.Select(Closed)], byProvider);
    }

    private sealed class Snapshot
    {
        public Snapshot(IReadOnlyList<SupportPolicy> files, Dictionary<string, IReadOnlyList<PolicyVersionEntry>> byProvider)
        {
            Files = files;
            ByProvider = byProvider.ToFrozenDictionary();
            ByFile = files.ToFrozenDictionary(p => p.Provider);
            ByVersion = byProvider.Values.SelectMany(v => v).ToFrozenDictionary(v => (v.Policy.Provider, v.Policy.Version), v => v.Policy);
        }

        public IReadOnlyList<SupportPolicy> Files { get; }
        public FrozenDictionary<string, IReadOnlyList<PolicyVersionEntry>> ByProvider { get; }
        public FrozenDictionary<string, SupportPolicy> ByFile { get; }
        public FrozenDictionary<(string, string), SupportPolicy> ByVersion { get; }

        public SupportPolicy? FileOf(string provider) => ByFile.GetValueOrDefault(provider);

        public SupportPolicy? At(string provider, Instant instant)
        {
            if (!ByProvider.TryGetValue(provider, out var versions) || versions.Count == 0) return null;
            var chosen = versions[0];
            foreach (var v in versions)
            {
                if (v.EffectiveFrom > instant) break;
                chosen = v;
            }
            return chosen.Policy;
        }
    }

    public static (PolicyCatalog? Catalog, IReadOnlyList<FlowError> Errors) Load(IEnumerable<(string FileName, string Text)> files)
    {
        var errors = new List<FlowError>();
        var policies = new List<SupportPolicy>();
        foreach (var (fileName, text) in files)
        {
            var (policy, parseErrors) = PolicyParser.Parse(fileName, text);
            errors.AddRange(parseErrors);
            if (policy is not null) policies.Add(policy);
        }
        foreach (var dup in policies.GroupBy(p => p.Provider).Where(g => g.Count() > 1))
            errors.Add(new FlowError(dup.Last().FileName, 1, $"provider '{dup.Key}' already has a policy in {dup.First().FileName}"));
        return errors.Count == 0 ? (new PolicyCatalog(policies), errors) : (null, errors);
    }

    /// <summary>Every flow must answer for a provider that has a policy.</summary>
    public IReadOnlyList<FlowError> CheckFlows(FlowCatalog flows) =>
        [.. flows.Flows.Where(f => FromFile(f.Provider) is null)
            .Select(f => new FlowError(f.FileName, 1, $"provider '{f.Provider}' has no policy file (*.policy.yaml)"))];
}

/// <summary>One version of a provider's policy and the instant it takes effect (decision 018).</summary>
public sealed record PolicyVersionEntry(SupportPolicy Policy, Instant EffectiveFrom);

/// <summary>What each stored version of a provider is at an instant (decision 018), by the catalog's own rule.</summary>
public static class PolicyVersionStatus
{
    public const string Effective = "effective";
    public const string Scheduled = "scheduled";
    public const string Superseded = "superseded";
    public const string Withdrawn = "withdrawn";

    /// <summary>
    /// Withdrawn; else the one deciding at <paramref name="now"/> is effective (the latest not after it, or the earliest
    /// when all are later: it also answers before its instant); later ones are scheduled, earlier ones superseded.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Of(IEnumerable<(string Version, Instant EffectiveFrom, bool Withdrawn)> versions, Instant now)
    {
        var all = versions.ToList();
        var live = all.Where(v => !v.Withdrawn).OrderBy(v => v.EffectiveFrom).ThenBy(v => v.Version, StringComparer.Ordinal).ToList();
        var effective = live.LastOrDefault(v => v.EffectiveFrom <= now) is { Version: not null } found ? found.Version
            : live.Count > 0 ? live[0].Version : null;
        return all.ToDictionary(v => v.Version, v =>
            v.Withdrawn ? Withdrawn
            : v.Version == effective ? Effective
            : v.EffectiveFrom > now ? Scheduled
            : Superseded, StringComparer.Ordinal);
    }
}

/// <summary>
/// A draft version posted for publishing, checked exactly as the files are (<see cref="PolicyParser"/>, errors with their
/// lines) and then against the provider's history: the same provider as the route's, a version string not used before,
/// an effective instant strictly in the future (history is not rewritten).
/// </summary>
public static class PolicyDraft
{
    public sealed record Problem(string Field, int? Line, string Message);

    /// <summary>The draft's policy, or its problems (<see cref="Problem.Line"/> set for the YAML's own).</summary>
    public static (SupportPolicy? Policy, IReadOnlyList<Problem> Problems) Check(string provider, string? yaml, Instant? effectiveFrom, Instant now)
    {
        var problems = new List<Problem>();
        SupportPolicy? policy = null;
        if (string.IsNullOrWhiteSpace(yaml)) problems.Add(new Problem("yaml", null, "Required: the policy YAML (as in ivr-flows/*.policy.yaml)."));
        else
        {
            var (parsed, errors) = PolicyParser.Parse($"{provider}.policy.yaml", yaml);
            problems.AddRange(errors.Select(e => new Problem("yaml", e.Line, e.Message)));
            if (parsed is not null && parsed.Provider != provider)
                problems.Add(new Problem("yaml", LineOf(yaml, "provider"), $"The YAML's provider is '{parsed.Provider}'; this route publishes for '{provider}'."));
            else policy = parsed;
        }
        if (effectiveFrom is { } from && from <= now)
            problems.Add(new Problem("effectiveFrom", null, $"effectiveFrom must be in the future (now is {now}): a version never takes effect in the past; history is not rewritten."));
        return (problems.Count == 0 ? policy : null, problems);
    }

    private static int LineOf(string yaml, string key)
    {
        var lines = yaml.Split('\n');
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].StartsWith(key + ":", StringComparison.Ordinal)) return i + 1;
        return 1;
    }
}
