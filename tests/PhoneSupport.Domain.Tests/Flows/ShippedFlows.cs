using PhoneSupport.Domain.Flows;

namespace PhoneSupport.Domain.Tests.Flows;

/// <summary>The flow files shipped in <c>ivr-flows/</c>, as copied next to the test assembly.</summary>
internal static class ShippedFlows
{
    private static readonly Lazy<FlowCatalog> LoadedCatalog = new(() =>
    {
        var (catalog, errors) = FlowCatalog.Load(Files());
        return catalog ?? throw new InvalidOperationException("Shipped flows do not load:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
    });

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "ivr-flows");

    public static IReadOnlyList<(string FileName, string Text)> Files() =>
        [.. Directory.GetFiles(Folder, "*.flow.yaml").Order(StringComparer.Ordinal).Select(path => (Path.GetFileName(path), File.ReadAllText(path)))];

    public static FlowCatalog Catalog => LoadedCatalog.Value;

    public static Flow Constellix => Catalog.ById("constellix") ?? throw new InvalidOperationException("constellix flow is missing");

    public static Flow Constructor => Catalog.ById("constructor") ?? throw new InvalidOperationException("constructor flow is missing");
}
