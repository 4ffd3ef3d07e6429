using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Admin;

/// <summary>The loaded policies, and windows and due times as PRODUCT.md's worked examples state them.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class PolicyTests(ServiceFixture fixture) : IAsyncLifetime
{
    private readonly AdminApi _api = new(fixture);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Policies_ListBothProvidersWithTheirPlansAsData()
    {
        var (key, _) = await _api.CreateKeyAsync("technician");

        var body = await AdminApi.ExpectAsync(await _api.Client(key).GetAsync("/api/policies"), HttpStatusCode.OK);

        var items = body["items"]!.AsArray();
        Assert.Equal(["constellix", "constructor"], items.Select(p => (string)p!["provider"]!));
        var constellix = items[0]!;
        Assert.Equal("America/New_York", (string?)constellix["zone"]);
        Assert.Equal("usd", (string?)constellix["currency"]);
        Assert.Equal(["Corporate", "Business", "SmallBusiness"], constellix["plans"]!.AsArray().Select(p => (string)p!["name"]!));
        var corporate = constellix["plans"]![0]!;
        Assert.Equal("live", (string?)corporate["phone"]!["business"]);
        Assert.Equal("notCovered", (string?)corporate["phone"]!["night"]);
        Assert.False((bool)corporate["queueAllowed"]!);
        Assert.Equal(2, (int?)corporate["contract"]!["includedIncidents"]);
        Assert.Equal("PT2H", (string?)corporate["contract"]!["includedTalkPerIncident"]);
        Assert.Equal(["night", "weekend", "holiday"], corporate["contract"]!["includedWindows"]!.AsArray().Select(w => (string)w!));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "amount": 26000, "currency": "usd" }"""), corporate["contract"]!["ratesPerHour"]!["holiday"]));
        var business = constellix["plans"]![1]!;
        Assert.Equal([4250L, 8500L], business["purchaseOptions"]!.AsArray().Select(o => (long)o!["price"]!["amount"]!));
        Assert.Null(business["contract"]);

        var plans = items[1]!["plans"]!.AsArray().ToDictionary(p => (string)p!["name"]!);
        Assert.Equal("coverage", (string?)plans["Standard"]!["targets"]!["clock"]);
        Assert.Equal("PT12H", (string?)plans["Standard"]!["targets"]!["businessDay"]);
        Assert.Equal("P1D", (string?)plans["Standard"]!["targets"]!["bySeverity"]!["3"]);
        Assert.Equal("PT15M", (string?)plans["Premier"]!["targets"]!["bySeverity"]!["1"]);
        Assert.Equal([1], plans["Premier"]!["aroundTheClock"]!.AsArray().Select(s => (int)s!));
        Assert.True((bool)plans["Premier"]!["tamFirst"]!);
        Assert.Equal("P2D", (string?)plans["Proctored"]!["examSessionTargets"]!["bySeverity"]!["4"]);
    }

    [Theory]
    [InlineData("constellix", "2026-07-08T21:59:59Z", "business", "2026-07-08T17:59:59", null)]
    [InlineData("constellix", "2026-07-08T22:00:00Z", "night", "2026-07-08T18:00:00", null)]
    [InlineData("constellix", "2026-07-03T15:00:00Z", "holiday", "2026-07-03T11:00:00", "Independence Day")]
    [InlineData("constellix", "2026-07-04T15:00:00Z", "weekend", "2026-07-04T11:00:00", null)]
    [InlineData("constructor", "2026-07-08T06:00:00Z", "business", "2026-07-08T08:00:00", null)]
    [InlineData("constructor", "2026-07-08T05:59:59Z", "night", "2026-07-08T07:59:59", null)]
    public async Task Window_AtAnInstant_IsTheLocalWindow(string provider, string at, string window, string localTime, string? holiday)
    {
        var body = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/policies/{provider}/window?at={at}"), HttpStatusCode.OK);

        Assert.Equal(window, (string?)body["window"]);
        Assert.Equal(localTime, (string?)body["localTime"]);
        Assert.Equal(holiday, (string?)body["holiday"]);
        Assert.Equal(holiday is not null, body.ContainsKey("holiday"));
    }

    [Fact]
    public async Task Window_WithAPlan_SaysWhatThePlanOffersThen()
    {
        var body = await AdminApi.ExpectAsync(await _api.Admin.GetAsync("/api/policies/constellix/window?plan=Business&at=2026-07-08T22:00:00Z"), HttpStatusCode.OK);

        Assert.Equal("quote", (string?)body["offer"]);
    }

    [Fact]
    public async Task Window_ForAProctoredAccountInsideAnExamSession_SaysSo()
    {
        var account = await _api.CreateAccountAsync("constructor", "Proctored");
        await AdminApi.ExpectAsync(await _api.Admin.PostAsJsonAsync($"/api/accounts/{account["id"]}/exam-sessions",
            new { start = "2026-07-11T06:00:00Z", end = "2026-07-11T10:00:00Z" }), HttpStatusCode.Created);

        var inside = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/policies/constructor/window?at=2026-07-11T08:00:00Z&accountId={account["id"]}"), HttpStatusCode.OK);
        var after = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/policies/constructor/window?at=2026-07-11T10:00:00Z&accountId={account["id"]}"), HttpStatusCode.OK);

        Assert.Equal("weekend", (string?)inside["window"]);
        Assert.True((bool)inside["examSession"]!);
        Assert.False((bool)after["examSession"]!);
        Assert.Equal("Proctored", (string?)inside["plan"]);
    }

    [Theory]
    [InlineData("constructor", "Standard", "3", "2026-07-08T00:00:00Z", "2026-07-08T18:00:00Z", "coverage")] // Wednesday 02:00 Zurich → Wednesday 20:00
    [InlineData("constructor", "Standard", "3", "2026-07-10T17:55:00Z", "2026-07-13T17:55:00Z", "coverage")] // Friday 19:55 → Monday 19:55
    [InlineData("constructor", "Standard", "1", "2026-07-09T16:00:00Z", "2026-07-10T08:00:00Z", "coverage")] // Thursday 18:00 → Friday 10:00
    [InlineData("constructor", "Standard", "1", "2026-07-11T10:00:00Z", "2026-07-13T10:00:00Z", "coverage")] // a Saturday → Monday 12:00
    [InlineData("constructor", "Premier", "1", "2026-07-11T00:00:00Z", "2026-07-11T00:15:00Z", "24x7")]      // Saturday 02:00 → 02:15
    [InlineData("constellix", "Corporate", "", "2026-07-08T15:00:00Z", "2026-07-08T16:00:00Z", "24x7")]      // business hours: 1 hour
    [InlineData("constellix", "Corporate", "", "2026-07-09T00:00:00Z", "2026-07-09T14:00:00Z", "coverage")]  // 20:00 Eastern: 1 hour after 09:00
    public async Task Due_MatchesTheWorkedExamples(string provider, string plan, string severity, string start, string dueAt, string clock)
    {
        var body = await AdminApi.ExpectAsync(
            await _api.Admin.GetAsync($"/api/policies/{provider}/due?plan={plan}&severity={severity}&start={start}"), HttpStatusCode.OK);

        Assert.Equal(dueAt, (string?)body["dueAt"]);
        Assert.Equal(clock, (string?)body["clock"]);
    }

    [Fact]
    public async Task Due_ForAProctoredAccountInAnExamSession_RunsOnTheWallClock()
    {
        var account = await _api.CreateAccountAsync("constructor", "Proctored");
        await AdminApi.ExpectAsync(await _api.Admin.PostAsJsonAsync($"/api/accounts/{account["id"]}/exam-sessions",
            new { start = "2026-07-08T20:00:00Z", end = "2026-07-09T02:00:00Z" }), HttpStatusCode.Created);

        var inside = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/policies/constructor/due?severity=2&start=2026-07-08T22:00:00Z&accountId={account["id"]}"), HttpStatusCode.OK);
        var outside = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/policies/constructor/due?severity=2&start=2026-07-09T02:00:00Z&accountId={account["id"]}"), HttpStatusCode.OK);

        Assert.Equal(("2026-07-08T22:45:00Z", "24x7", true), ((string)inside["dueAt"]!, (string)inside["clock"]!, (bool)inside["examSession"]!));
        Assert.Equal(("2026-07-09T14:00:00Z", "coverage", false), ((string)outside["dueAt"]!, (string)outside["clock"]!, (bool)outside["examSession"]!));
    }

    [Theory]
    [InlineData("/api/policies/constructor/due?plan=Gold&severity=1", "plan")]
    [InlineData("/api/policies/constructor/due?plan=Standard&severity=5", "severity")]
    [InlineData("/api/policies/constructor/due?plan=Standard&severity=high", "severity")]
    [InlineData("/api/policies/constructor/due?plan=Standard", "severity")]
    [InlineData("/api/policies/constructor/due?severity=1", "plan")]
    [InlineData("/api/policies/constructor/due?plan=Standard&severity=1&start=2026-07-08", "start")]
    [InlineData("/api/policies/constructor/due?plan=Standard&severity=1&accountId=42", "accountId")]
    [InlineData("/api/policies/constellix/window?at=noon", "at")]
    [InlineData("/api/policies/constellix/window?plan=Premier", "plan")]
    public async Task BadQueries_Are400NamingTheField(string url, string field)
    {
        var problem = await AdminApi.ProblemAsync(await _api.Admin.GetAsync(url), HttpStatusCode.BadRequest);

        Assert.NotEmpty(AdminApi.Errors(problem, field));
    }

    [Theory]
    [InlineData("/api/policies/acme/window")]
    [InlineData("/api/policies/acme/due?plan=Standard&severity=1")]
    public async Task AnUnknownProvider_Is404Problem(string url)
    {
        var problem = await AdminApi.ProblemAsync(await _api.Admin.GetAsync(url), HttpStatusCode.NotFound);

        Assert.Contains("acme", (string?)problem["detail"]);
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheAdminApiWithItsBearerScheme()
    {
        var document = await AdminApi.ExpectAsync(await _api.Client(null).GetAsync("/openapi/v1.json"), HttpStatusCode.OK);

        var paths = document["paths"]!.AsObject();
        Assert.True(paths.ContainsKey("/api/accounts"), string.Join(", ", paths.Select(p => p.Key)));
        Assert.NotNull(paths["/api/accounts"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]);
        Assert.True(paths.ContainsKey("/api/policies/{provider}/due"));
        Assert.False(paths.ContainsKey("/twilio/voice"));
        Assert.Equal("bearer", (string?)document["components"]!["securitySchemes"]!["Bearer"]!["scheme"]);
        Assert.NotEmpty(paths["/api/accounts"]!["get"]!["security"]!.AsArray());
    }
}
