using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Features.CallCore;

/// <summary>Reads the flow and policy files of a folder and builds their catalogs, or throws with every error.</summary>
public static class FlowFiles
{
    public const string Pattern = "*.flow.yaml";
    public const string PolicyPattern = "*.policy.yaml";

    public static PolicyCatalog LoadPolicies(string directory)
    {
        var files = Directory.Exists(directory)
            ? Directory.GetFiles(directory, PolicyPattern).Order(StringComparer.Ordinal).Select(path => (Path.GetFileName(path), File.ReadAllText(path)))
            : [];
        var (catalog, errors) = PolicyCatalog.Load(files);
        return catalog ?? throw new InvalidFlowException(errors);
    }

    /// <summary>Every flow must belong to a provider with a policy.</summary>
    public static void CheckFlowsHavePolicies(FlowCatalog flows, PolicyCatalog policies)
    {
        var errors = policies.CheckFlows(flows);
        if (errors.Count > 0) throw new InvalidFlowException(errors);
    }

    public static FlowCatalog LoadCatalog(string directory)
    {
        if (!Directory.Exists(directory))
            throw new InvalidFlowException([new FlowError(directory, 0, "the flows folder does not exist (set PhoneSupport:FlowsPath)")]);
        var files = Directory.GetFiles(directory, Pattern).Order(StringComparer.Ordinal)
            .Select(path => (Path.GetFileName(path), File.ReadAllText(path)));
        var (catalog, errors) = FlowCatalog.Load(files);
        return catalog ?? throw new InvalidFlowException(errors);
    }
}
