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
}
