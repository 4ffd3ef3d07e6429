using PhoneSupport.Domain.Flows;

namespace PhoneSupport.Features.Voice;

/// <summary>Reads the <c>*.flow.yaml</c> files of a folder and builds the catalog, or throws with every error.</summary>
public static class FlowFiles
{
    public const string Pattern = "*.flow.yaml";

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
