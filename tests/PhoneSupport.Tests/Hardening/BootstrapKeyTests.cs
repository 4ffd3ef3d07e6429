using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PhoneSupport.Features.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Hardening;

/// <summary>Outside Development the service refuses to start with a weak bootstrap admin key, and names the key (never its value).</summary>
[Collection(ServiceHostCollection.Name)]
public sealed partial class BootstrapKeyTests(ServiceFixture fixture)
{
    private const string Key = "PhoneSupport:BootstrapAdminApiKey";

    [GeneratedRegex(@"(?:BootstrapAdminApiKey\s*[=:]\s*|BOOTSTRAP_ADMIN_API_KEY:-|Bearer\s+)[""']?([A-Za-z0-9_\-]{4,})")]
    private static partial Regex SampleKey();

    [Theory]
    [InlineData("dev-admin-key-change-me", "sample value")]
    [InlineData("REPLACE_ME", "sample value")]
    [InlineData("Xq7-short-but-random-9", "shorter than 32")]
    [InlineData("abababababababababababababababababababab", "low in randomness")]
    [InlineData("0000000011111111222222223333333344444444", "low in randomness")]
    public void Production_WithAWeakBootstrapKey_RefusesToStart_NamingTheKey(string weak, string why)
    {
        using var factory = fixture.CreateFactory("Production", fixture.ConnectionString, new Dictionary<string, string?> { [Key] = weak });

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(Key, error.Message);
        Assert.Contains(why, error.Message);
        Assert.DoesNotContain(weak, error.Message);
    }

    [Fact]
    public async Task Production_WithARandomKey_Starts_AndTheKeyIsAnAdmin_WhileDevelopmentKeepsTheDemoKey()
    {
        var strong = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)); // what compose-secrets.sh and the runbook generate
        await using var production = fixture.CreateFactory("Production", fixture.ConnectionString, new Dictionary<string, string?> { [Key] = strong });
        using var client = production.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", strong);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/accounts?limit=1")).StatusCode);

        await using var development = fixture.CreateFactory("Development", fixture.ConnectionString, new Dictionary<string, string?> { [Key] = "dev-admin-key-change-me" });
        using var demo = development.CreateClient();
        demo.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "dev-admin-key-change-me");
        Assert.Equal(HttpStatusCode.OK, (await demo.GetAsync("/api/accounts?limit=1")).StatusCode);
    }

    [Fact]
    public void EverySampleKeyInTheRepositorysDocsAndDeployFiles_IsRefusedOutsideDevelopment()
    {
        var root = SecretsTests.RepoRoot();
        var files = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "deploy"), "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains("node_modules", StringComparison.Ordinal));
        var samples = files.SelectMany(f => SampleKey().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetRelativePath(root, f), Value: m.Groups[1].Value)))
            .Distinct().ToList();

        Assert.Contains(samples, s => s.Value == "dev-admin-key-change-me");
        Assert.Contains(samples, s => s.Value == "REPLACE_ME");
        var accepted = samples.Where(s => BootstrapKeyValidation.Weakness(s.Value) is null).ToList();
        Assert.True(accepted.Count == 0, "Sample keys a production host would accept: " + string.Join(", ", accepted));
    }
}
