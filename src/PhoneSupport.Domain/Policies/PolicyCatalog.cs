using System.Collections.Frozen;
using PhoneSupport.Domain.Flows;

namespace PhoneSupport.Domain.Policies;

/// <summary>The loaded support policies, one per provider; refuses the set when a file is broken or a provider repeats.</summary>
public sealed class PolicyCatalog
{
    private readonly FrozenDictionary<string, SupportPolicy> _byProvider;

    private PolicyCatalog(IReadOnlyList<SupportPolicy> policies)
    {
        Policies = policies;
        _byProvider = policies.ToFrozenDictionary(p => p.Provider);
    }

    public IReadOnlyList<SupportPolicy> Policies { get; }

    public SupportPolicy? For(string provider) => _byProvider.GetValueOrDefault(provider);

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
