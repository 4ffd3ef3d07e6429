using System.Text.RegularExpressions;

namespace PhoneSupport.Tests.Hardening;

/// <summary>
/// No container engine runs here, so the image cannot be built in the tests; these checks keep the Dockerfile and the
/// compose file in step with the repository (every COPY source exists, the entry point is the host's assembly, the
/// migration step uses the switch the host understands).
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly string Root = SecretsTests.RepoRoot();

    [GeneratedRegex(@"^COPY\s+(?!--from)(?:--\S+\s+)*(.+?)\s+\S+$", RegexOptions.Multiline)]
    private static partial Regex CopyLine();

    [Fact]
    public void Dockerfile_CopiesOnlyWhatExists_AndRunsTheHostAsNonRoot()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "deploy", "Dockerfile"));

        var sources = CopyLine().Matches(dockerfile).SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.NotEmpty(sources);
        Assert.All(sources, s => Assert.True(File.Exists(Path.Combine(Root, s)) || Directory.Exists(Path.Combine(Root, s)), $"COPY source {s} does not exist"));
        Assert.Contains("src/PhoneSupport/PhoneSupport.csproj", dockerfile);
        Assert.Contains("ivr-flows/", sources);
        Assert.Matches(@"FROM mcr\.microsoft\.com/dotnet/sdk:10\.0 AS build", dockerfile);
        Assert.Matches(@"FROM mcr\.microsoft\.com/dotnet/aspnet:10\.0", dockerfile);
        Assert.Contains("USER $APP_UID", dockerfile);
        Assert.Contains("HEALTHCHECK", dockerfile);
        Assert.Contains("/healthz", dockerfile);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"PhoneSupport.dll\"]", dockerfile);
        Assert.Equal("PhoneSupport", typeof(Program).Assembly.GetName().Name);
    }

    [Fact]
    public void MigrationSteps_UseTheSwitchTheHostUnderstands()
    {
        var program = File.ReadAllText(Path.Combine(Root, "src", "PhoneSupport", "Program.cs"));
        var compose = File.ReadAllText(Path.Combine(Root, "deploy", "compose.yaml"));
        var job = File.ReadAllText(Path.Combine(Root, "deploy", "k8s", "migration-job.yaml"));

        Assert.Contains("\"--migrate-only\"", program);
        Assert.Contains("command: [\"--migrate-only\"]", compose);
        Assert.Contains("dockerfile: deploy/Dockerfile", compose);
        Assert.Contains("args: [\"--migrate-only\"]", job);
    }

    private static string K8s(string file) => File.ReadAllText(Path.Combine(Root, "deploy", "k8s", file));

    [Fact]
    public void Compose_PublishesOnLoopbackOnly_DefaultsToProduction_AndHasNoFixedSecret()
    {
        var compose = File.ReadAllText(Path.Combine(Root, "deploy", "compose.yaml"));
        var ports = Regex.Matches(compose, @"^\s+-\s+""([^""]+)""\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Where(p => p.Contains(':')).ToList();

        Assert.NotEmpty(ports);
        Assert.All(ports, p => Assert.StartsWith("127.0.0.1:", p));
        Assert.Contains("ASPNETCORE_ENVIRONMENT: ${ASPNETCORE_ENVIRONMENT:-Production}", compose);
        // Every secret must be supplied (":?" fails the start), none has a default value in the file.
        foreach (var variable in new[] { "POSTGRES_PASSWORD", "BOOTSTRAP_ADMIN_API_KEY", "TWILIO_AUTH_TOKEN", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET" })
        {
            Assert.Contains("${" + variable + ":?", compose);
            Assert.DoesNotContain("${" + variable + ":-", compose);
        }
        Assert.DoesNotContain("dev-admin-key", compose);
        Assert.DoesNotContain("ngrok", compose);
        Assert.True(File.Exists(Path.Combine(Root, "deploy", "compose-secrets.sh")));
        Assert.Contains("deploy/compose.env", File.ReadAllText(Path.Combine(Root, ".gitignore")));
    }

    [Fact]
    public void Kubernetes_NetworkPolicies_SelectTheApiTheJobAndTheDatabase_AndLimitWhoComesIn()
    {
        var policies = K8s("networkpolicy.yaml");
        var documents = policies.Split("\n---", StringSplitOptions.RemoveEmptyEntries).Where(d => d.Contains("kind: NetworkPolicy")).ToList();

        Assert.Equal(3, documents.Count);
        var api = Assert.Single(documents, d => d.Contains("name: phonesupport-api"));
        Assert.Contains("kubernetes.io/metadata.name: ingress-nginx", api);
        Assert.Contains("policyTypes: [\"Ingress\", \"Egress\"]", api);
        Assert.Contains("k8s-app: kube-dns", api);
        Assert.Contains("port: 443", api);
        Assert.Contains("cnpg.io/cluster: phonesupport-db", api);
        var database = Assert.Single(documents, d => d.Contains("name: phonesupport-db"));
        Assert.Contains("app.kubernetes.io/component: api", database);
        Assert.DoesNotContain("ipBlock", database);
        Assert.DoesNotContain("ingress-nginx", database);
        Assert.Contains("ingress: []", Assert.Single(documents, d => d.Contains("name: phonesupport-migrate")));
        Assert.Contains("- networkpolicy.yaml", K8s("kustomization.yaml"));
    }

    [Fact]
    public void Kubernetes_ThePlaceholderSecretIsNotApplied_ConnectionsRequireTls_AndOnlyTheJobIsTheOwner()
    {
        var kustomization = K8s("kustomization.yaml");
        var secret = K8s("secret.yaml");
        var connections = Regex.Matches(secret, @"ConnectionStrings__PhoneSupport:\s*""([^""]+)""").Select(m => m.Groups[1].Value).ToList();

        Assert.DoesNotContain("- secret.yaml", kustomization);
        Assert.Equal(2, connections.Count);
        Assert.All(connections, c => Assert.Contains("SSL Mode=Require", c));
        Assert.Contains(connections, c => c.Contains("Username=phonesupport_app;"));
        Assert.Contains(connections, c => c.Contains("Username=phonesupport;"));
        Assert.Contains("name: phonesupport-migrate", K8s("migration-job.yaml"));
        Assert.Contains("name: phonesupport_app", K8s("postgres-cluster.yaml"));
    }
}
