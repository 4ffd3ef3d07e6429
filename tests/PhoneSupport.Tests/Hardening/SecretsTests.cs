using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PhoneSupport.Tests.Hardening;

/// <summary>Secrets come from configuration at run time (environment, Kubernetes Secret), never from a committed file.</summary>
public sealed partial class SecretsTests
{
    [GeneratedRegex("(token|secret|password|pwd|apikey|api_key|connectionstring|privatekey|signing)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PhoneSupport.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("PhoneSupport.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void AppSettings_OutsideDevelopment_HoldNoSecretValues()
    {
        var files = Directory.EnumerateFiles(Path.Combine(RepoRoot(), "src"), "appsettings*.json", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .ToList();
        Assert.NotEmpty(files);

        var found = new List<string>();
        foreach (var file in files)
        {
            var development = Path.GetFileName(file).Contains(".Development.", StringComparison.OrdinalIgnoreCase);
            foreach (var (path, value) in Leaves(JsonNode.Parse(File.ReadAllText(file)), ""))
            {
                if (!SecretName().IsMatch(path) || string.IsNullOrEmpty(value)) continue;
                // Development may carry the demo's obviously fake values, nothing that looks like a real credential.
                if (development && (value.Contains("dev", StringComparison.OrdinalIgnoreCase) || value.Contains("demo", StringComparison.OrdinalIgnoreCase))) continue;
                found.Add($"{Path.GetFileName(file)}: {path}");
            }
        }
        Assert.Empty(found);
    }

    [Fact]
    public void Kubernetes_Secret_HoldsOnlyPlaceholders()
    {
        var secret = File.ReadAllText(Path.Combine(RepoRoot(), "deploy", "k8s", "secret.yaml"));
        var values = Regex.Matches(secret, @"^\s+[A-Za-z_]+:\s*""([^""]*)""", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();

        Assert.NotEmpty(values);
        Assert.All(values, v => Assert.Contains("REPLACE", v));
    }

    private static IEnumerable<(string Path, string? Value)> Leaves(JsonNode? node, string path) => node switch
    {
        JsonObject o => o.SelectMany(p => Leaves(p.Value, path.Length == 0 ? p.Key : $"{path}:{p.Key}")),
        JsonArray a => a.SelectMany((n, i) => Leaves(n, $"{path}:{i}")),
        null => [],
        _ => [(path, node.ToString())],
    };
}
