using System.Collections.Frozen;

namespace PhoneSupport.Domain.Flows;

/// <summary>
/// All loaded flows, indexed by the numbers they answer. Built from file texts handed in by the host or the
/// validator command; refuses the whole set when any file is broken or two flows claim one number.
/// </summary>
public sealed class FlowCatalog
{
    private readonly FrozenDictionary<string, Flow> _byNumber;
    private readonly FrozenDictionary<string, Flow> _byId;

    private FlowCatalog(IReadOnlyList<Flow> flows)
    {
        Flows = flows;
        _byNumber = flows.SelectMany(f => f.Numbers.Select(n => (n, f))).ToFrozenDictionary(x => x.n, x => x.f);
        _byId = flows.ToFrozenDictionary(f => f.Id);
    }

    public IReadOnlyList<Flow> Flows { get; }

    public Flow? ForNumber(string dialled) => _byNumber.GetValueOrDefault(dialled);

    public Flow? ById(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Parses and validates every flow; returns the catalog or every problem found.</summary>
    public static (FlowCatalog? Catalog, IReadOnlyList<FlowError> Errors) Load(IEnumerable<(string FileName, string Text)> files)
    {
        var errors = new List<FlowError>();
        var flows = new List<Flow>();
        foreach (var (fileName, text) in files)
        {
            var (flow, parseErrors) = FlowParser.Parse(fileName, text);
            errors.AddRange(parseErrors);
            if (flow is null) continue;
            var graphErrors = FlowValidator.Validate(flow);
            errors.AddRange(graphErrors);
            if (graphErrors.Count == 0) flows.Add(flow);
        }
        foreach (var dup in flows.GroupBy(f => f.Id).Where(g => g.Count() > 1))
            errors.Add(new FlowError(dup.Last().FileName, 1, $"flow id '{dup.Key}' is also used by {dup.First().FileName}"));
        foreach (var dup in flows.SelectMany(f => f.Numbers.Select(n => (n, f))).GroupBy(x => x.n).Where(g => g.Count() > 1))
            errors.Add(new FlowError(dup.Last().f.FileName, 1, $"number {dup.Key} is also answered by {dup.First().f.FileName}"));
        if (flows.Count == 0 && errors.Count == 0) errors.Add(new FlowError("(flows)", 0, "no flow files (*.flow.yaml) were found"));
        return errors.Count == 0 ? (new FlowCatalog(flows), errors) : (null, errors);
    }
}
