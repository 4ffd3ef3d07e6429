using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Admin;

/// <summary><c>POST /api/policies/{provider}/diff</c>: the diff between two policy texts, validated as the policy files are.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class PolicyDiffApiTests(ServiceFixture fixture) : IAsyncLifetime
{
    private readonly AdminApi _api = new(fixture);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static string Shipped(string provider) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-flows", $"{provider}.policy.yaml"));

    private static string NightRise(string text) =>
        text.Replace("ratesPerHour: { night: 12000,", "ratesPerHour: { night: 15000,", StringComparison.Ordinal)
            .Replace("version: \"2026.11.1\"", "version: \"2027.01.1\"", StringComparison.Ordinal);

    [Fact]
    public async Task ADraftAgainstTheLoadedPolicy_Is200_WithItsChangesInOrder()
    {
        var (key, _) = await _api.CreateKeyAsync("technician"); // read scope is enough: it writes nothing

        var body = await AdminApi.ExpectAsync(await _api.Client(key).PostAsJsonAsync("/api/policies/constellix/diff", new { after = NightRise(Shipped("constellix")) }), HttpStatusCode.OK);

        Assert.Equal(("constellix", "2026.11.1", "2027.01.1"), ((string?)body["provider"], (string?)body["beforeVersion"], (string?)body["afterVersion"]));
        var changes = body["changes"]!.AsArray();
        Assert.Equal(2, changes.Count);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "section": "general", "path": "version", "label": "Version", "kind": "changed", "before": "2026.11.1", "after": "2027.01.1", "summary": "Version: 2026.11.1 → 2027.01.1" }"""), changes[0]), changes[0]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            { "section": "plans", "path": "plans.Corporate.contract.ratesPerHour.night", "label": "Corporate contract night rate", "kind": "changed", "before": "$120.00/h", "after": "$150.00/h",
              "summary": "Corporate contract night rate: $120.00/h → $150.00/h" }
            """), changes[1]), changes[1]!.ToJsonString());
    }

    [Fact]
    public async Task TwoGivenTexts_AreCompared_AndIdenticalTextsHaveNoChanges()
    {
        var text = Shipped("constructor");
        var shorter = text.Replace("\"1\": PT15M, \"2\": PT30M", "\"1\": PT15M, \"2\": PT20M", StringComparison.Ordinal)
            .Replace("  Proctored:\n", "  Gold:\n    priority: 2\n    phone: { business: live, night: callback, weekend: callback, holiday: callback }\n  Proctored:\n", StringComparison.Ordinal);

        var diff = await AdminApi.ExpectAsync(await _api.Admin.PostAsJsonAsync("/api/policies/constructor/diff", new { before = text, after = shorter }), HttpStatusCode.OK);
        var same = await AdminApi.ExpectAsync(await _api.Admin.PostAsJsonAsync("/api/policies/constructor/diff", new { before = text, after = text }), HttpStatusCode.OK);

        Assert.Equal(["plans.Gold added", "plans.Premier.targets.2 changed"], diff["changes"]!.AsArray().Select(c => $"{c!["path"]} {c["kind"]}"));
        Assert.Null((string?)diff["changes"]![0]!["before"]);
        Assert.Equal("Premier severity 2 target: PT30M → PT20M", (string?)diff["changes"]![1]!["summary"]);
        Assert.Empty(same["changes"]!.AsArray());
    }

    [Fact]
    public async Task AnInvalidText_Is422_WithEachProblemsLine_UnderItsField()
    {
        var broken = Shipped("constellix")
            .Replace("zone: America/New_York", "zone: America/Nowhere", StringComparison.Ordinal)
            .Replace("ratesPerHour: { night: 12000,", "ratesPerHour: { night: lots,", StringComparison.Ordinal);
        var zoneLine = broken.Split('\n').ToList().FindIndex(l => l.StartsWith("zone:", StringComparison.Ordinal)) + 1;
        var rateLine = broken.Split('\n').ToList().FindIndex(l => l.Contains("night: lots", StringComparison.Ordinal)) + 1;

        var response = await _api.Admin.PostAsJsonAsync("/api/policies/constellix/diff", new { before = "provider: [", after = broken });
        var problem = await AdminApi.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);

        var after = AdminApi.Errors(problem, "after");
        Assert.Contains($"line {zoneLine}: 'America/Nowhere' is not an IANA time zone", after, StringComparison.Ordinal);
        Assert.Contains($"line {rateLine}: ratesPerHour.night: 'lots' must be an amount in minor units", after, StringComparison.Ordinal);
        Assert.Matches(@"^line \d+: not valid YAML", AdminApi.Errors(problem, "before"));
        var lines = problem["lines"]!.AsArray();
        Assert.Contains(lines, l => (string?)l!["field"] == "after" && (int)l["line"]! == zoneLine && ((string?)l["message"])!.Contains("IANA", StringComparison.Ordinal));
        Assert.Contains(lines, l => (string?)l!["field"] == "before");
    }

    [Fact]
    public async Task AnotherProvidersText_Is422_AtItsProviderLine()
    {
        var problem = await AdminApi.ProblemAsync(
            await _api.Admin.PostAsJsonAsync("/api/policies/constellix/diff", new { after = Shipped("constructor") }), HttpStatusCode.UnprocessableEntity);

        var providerLine = Shipped("constructor").Split('\n').ToList().FindIndex(l => l.StartsWith("provider:", StringComparison.Ordinal)) + 1;
        Assert.Equal($"line {providerLine}: provider 'constructor' is not 'constellix': compare versions of one provider's policy", AdminApi.Errors(problem, "after"));
    }

    [Fact]
    public async Task NoAfter_Is400_AnUnknownProvider404_AndNoKey401()
    {
        var missing = await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync("/api/policies/constellix/diff", new { before = (string?)null }), HttpStatusCode.BadRequest);
        await AdminApi.ProblemAsync(await _api.Admin.PostAsJsonAsync("/api/policies/nobody/diff", new { after = Shipped("constellix") }), HttpStatusCode.NotFound);
        var anonymous = await _api.Client(null).PostAsJsonAsync("/api/policies/constellix/diff", new { after = Shipped("constellix") });

        Assert.Contains("Required", AdminApi.Errors(missing, "after"), StringComparison.Ordinal);
        await AdminApi.ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
    }
}
