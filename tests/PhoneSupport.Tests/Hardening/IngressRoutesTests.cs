using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using PhoneSupport.Features.Hardening;

namespace PhoneSupport.Tests.Hardening;

/// <summary>
/// The shipped Ingress routes only the public surface (webhooks, admin API, console), never the probes or the OpenAPI
/// document, and the configmap names the ingress network the service believes forwarded headers from.
/// </summary>
public sealed partial class IngressRoutesTests
{
    private static readonly string K8s = Path.Combine(SecretsTests.RepoRoot(), "deploy", "k8s");

    [GeneratedRegex(@"^\s*-\s*path:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex PathLine();

    [GeneratedRegex(@"^\s*PhoneSupport__ForwardedHeaders__KnownNetworks:\s*""([^""]*)""\s*$", RegexOptions.Multiline)]
    private static partial Regex KnownNetworksLine();

    [Fact]
    public void TheIngress_RoutesTheWebhooksTheApiAndTheConsole_Only()
    {
        var ingress = File.ReadAllText(Path.Combine(K8s, "ingress.yaml"));

        var paths = PathLine().Matches(ingress).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(["/twilio", "/stripe", "/api", "/console"], paths);
        Assert.DoesNotContain("pathType: ImplementationSpecific", ingress, StringComparison.Ordinal);
        Assert.All(ForwardedHeadersSetup.ManagementPaths, m => Assert.DoesNotContain(paths, p => m.StartsWithSegments(p) || p == "/"));
    }

    [Fact]
    public void TheConfigMap_NamesTheIngressNetwork_AsCidrRangesTheServiceReads()
    {
        var configMap = File.ReadAllText(Path.Combine(K8s, "configmap.yaml"));
        var value = Assert.Single(KnownNetworksLine().Matches(configMap)).Groups[1].Value;

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PhoneSupport:ForwardedHeaders:KnownNetworks"] = value,
            ["PhoneSupport:PublicBaseUrl"] = "https://support.example.com",
        }).Build();
        var settings = ForwardedHeadersSettings.Read(configuration);

        Assert.NotEmpty(settings.KnownNetworks);
        Assert.DoesNotContain(settings.KnownNetworks, n => n.PrefixLength == 0);
        Assert.Equal(["support.example.com"], settings.AllowedHosts);
    }
}
