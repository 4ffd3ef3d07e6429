using System.Collections.Frozen;
using PhoneSupport.Domain.Flows;

namespace PhoneSupport.Domain.Policies;

/// <summary>
/// The loaded support policies, one per provider; refuses the set when a file is broken or a provider repeats.
/// The files are the regular calendar; run-time closures are laid over them with <see cref="UseClosures"/>, which
/// swaps the whole set at once (readers see the old set or the new one, never a mix within one policy).
/// </summary>
public sealed class PolicyCatalog
{
    private readonly IReadOnlyList<SupportPolicy> _files;
    private volatile Snapshot _current;

    private PolicyCatalog(IReadOnlyList<SupportPolicy> policies)
    {
        _files = policies;
        _current = new Snapshot(policies);
    }

    public IReadOnlyList<SupportPolicy> Policies => _current.Policies;

    public SupportPolicy? For(string provider) => _current.ByProvider.GetValueOrDefault(provider);

    /// <summary>The policy as its file says, without run-time closures.</summary>
    public SupportPolicy? FromFile(string provider) => _files.FirstOrDefault(p => p.Provider == provider);

    /// <summary>
    /// Lays these closures over the files' calendars (each provider's own; a provider without any gets its file's
    /// calendar back). Pure: it only replaces the in-memory set.
    /// </summary>
    public void UseClosures(IEnumerable<(string Provider, Closure Closure)> closures)
    {
        var byProvider = closures.GroupBy(c => c.Provider, c => c.Closure).ToDictionary(g => g.Key, g => g.ToList());
        _current = new Snapshot([.. _files.Select(p => byProvider.TryGetValue(p.Provider, out var list)
            ? p with { Coverage = p.Coverage.WithClosures(list) }
            : p)]);
    }

    private sealed class Snapshot(IReadOnlyList<SupportPolicy> policies)
    {
        public IReadOnlyList<SupportPolicy> Policies { get; } = policies;
        public FrozenDictionary<string, SupportPolicy> ByProvider { get; } = policies.ToFrozenDictionary(p => p.Provider);
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
        [.. flows.Flows.Where(f => For(f.Provider) is null)
            .Select(f => new FlowError(f.FileName, 1, $"provider '{f.Provider}' has no policy file (*.policy.yaml)"))];
}
