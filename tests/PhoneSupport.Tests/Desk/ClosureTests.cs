using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NodaTime;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PhoneSupport.Tests.Desk;

/// <summary>
/// Issue 12, item 6: closures at run time. Two service instances on one database (two hosts, each with its own policy
/// catalog and closure cache): a closure posted to one changes the other's decisions within a second. The closures are
/// in 2091, where no other test's clock goes, and are removed at the end.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class ClosureTests(ServiceFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private readonly AdminApi _first = new(fixture);
    private readonly AdminApi _second = new(fixture);
    private readonly List<string> _created = [];

    public Task InitializeAsync()
    {
        // Wednesday 7 March 2091, 15:00 in New York: business hours.
        fixture.Clock.Set(NewYork.AtStrictly(new LocalDateTime(2091, 3, 7, 15, 0)).ToInstant());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await fixture.ScalarAsync<int>("with d as (delete from closures where id = any($1::uuid[]) returning 1), n as (select pg_notify('closures_changed', '')) select count(*)::int from d, n",
            _created.Select(Guid.Parse).ToArray());
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    private Instant Now => fixture.Clock.GetCurrentInstant();

    private static async Task<JsonObject> EntitlementAsync(HttpClient client, string accountId) =>
        (await AdminApi.ExpectAsync(await client.GetAsync($"/api/accounts/{accountId}"), HttpStatusCode.OK))["entitlementsNow"]!.AsObject();

    /// <summary>Polls until <paramref name="done"/> holds; answers how long that took (fails after 5 s).</summary>
    private static async Task<TimeSpan> UntilAsync(Func<Task<bool>> done)
    {
        var watch = Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "not seen within 5 s");
            await Task.Delay(10);
        }
        return watch.Elapsed;
    }

    [Fact]
    public async Task ClosurePostedToOneInstance_ChangesTheNextPriceOnAnother_WithinASecond()
    {
        var account = await _first.CreateAccountAsync("constellix", "Business");
        var id = (string)account["id"]!;
        var before = await EntitlementAsync(_second.Admin, id);
        Assert.Equal("business", (string)before["window"]!);
        Assert.Equal(8500, (long)before["ratePerHour"]!["amount"]!);

        var posted = await _first.Admin.PostAsJsonAsync("/api/closures", new
        {
            provider = "constellix", name = "Office party", start = (Now - Duration.FromHours(1)).ToString(), end = (Now + Duration.FromHours(2)).ToString(),
        });
        var closure = await AdminApi.ExpectAsync(posted, HttpStatusCode.Created);
        _created.Add((string)closure["id"]!);
        var seen = await UntilAsync(async () => (string?)(await EntitlementAsync(_second.Admin, id))["window"] == "holiday");
        output.WriteLine($"closure seen by the other instance after {seen.TotalMilliseconds:F0} ms");

        Assert.True(seen < TimeSpan.FromSeconds(1), $"seen after {seen.TotalMilliseconds:F0} ms");
        var during = await EntitlementAsync(_second.Admin, id);
        Assert.Equal("Office party", (string)during["holiday"]!);
        Assert.Equal(29000, (long)during["ratePerHour"]!["amount"]!);
        Assert.Equal("quoteRequired", (string)during["decision"]!);
        var window = await AdminApi.ExpectAsync(await _second.Admin.GetAsync($"/api/policies/constellix/window?at={Now}"), HttpStatusCode.OK);
        Assert.Equal("holiday", (string)window["window"]!);
        Assert.Equal("Office party", (string)window["holiday"]!);
        Assert.Equal("night", (string)(await AdminApi.ExpectAsync(await _second.Admin.GetAsync($"/api/policies/constructor/window?at={Now}"), HttpStatusCode.OK))["window"]!); // 21:00 in Zurich: another provider, untouched

        Assert.Equal(HttpStatusCode.NoContent, (await _second.Admin.DeleteAsync($"/api/closures/{closure["id"]}")).StatusCode);
        var reopened = await UntilAsync(async () => (string?)(await EntitlementAsync(_first.Admin, id))["window"] == "business");
        output.WriteLine($"deletion seen by the first instance after {reopened.TotalMilliseconds:F0} ms");
        Assert.True(reopened < TimeSpan.FromSeconds(1));
        var audit = await DeskApi.AuditAsync(_first.Admin, "closure", (string)closure["id"]!);
        Assert.Equal(["deleted", "created"], audit.Select(a => (string)a["action"]!));
        Assert.Equal("Office party", (string)audit[1]["after"]!["name"]!);
    }

    [Fact]
    public async Task Closures_AreListed_AndRefusedWhenMalformed()
    {
        var start = Now + Duration.FromDays(1);
        var created = await AdminApi.ExpectAsync(await _first.Admin.PostAsJsonAsync("/api/closures",
            new { provider = "constructor", name = "Move", start = start.ToString(), end = (start + Duration.FromHours(8)).ToString() }), HttpStatusCode.Created);
        _created.Add((string)created["id"]!);
        var listed = await AdminApi.ExpectAsync(await _second.Admin.GetAsync("/api/closures?provider=constructor"), HttpStatusCode.OK);
        Assert.Contains(listed["items"]!.AsArray(), c => (string)c!["id"]! == (string)created["id"]! && (string)c["createdBy"]! == "bootstrap");

        async Task<JsonObject> Refused(object body) => await AdminApi.ProblemAsync(await _first.Admin.PostAsJsonAsync("/api/closures", body), HttpStatusCode.BadRequest);
        var s = start.ToString();
        Assert.Contains("provider", AdminApi.Errors(await Refused(new { provider = "acme", name = "x", start = s, end = (start + Duration.FromHours(1)).ToString() }), "provider"));
        Assert.Contains("after it starts", AdminApi.Errors(await Refused(new { provider = "constellix", name = "x", start = s, end = s }), "end"));
        Assert.Contains("31 days", AdminApi.Errors(await Refused(new { provider = "constellix", name = "x", start = s, end = (start + Duration.FromDays(40)).ToString() }), "end"));
        Assert.Contains("past", AdminApi.Errors(await Refused(new { provider = "constellix", name = "x", start = (Now - Duration.FromDays(2)).ToString(), end = (Now - Duration.FromDays(1)).ToString() }), "end"));
        Assert.Contains("Required", AdminApi.Errors(await Refused(new { provider = "constellix", start = s, end = (start + Duration.FromHours(1)).ToString() }), "name"));
        await AdminApi.ProblemAsync(await _first.Admin.DeleteAsync($"/api/closures/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        var (technicianKey, _) = await _first.CreateKeyAsync("technician");
        Assert.Equal(HttpStatusCode.Forbidden, (await _first.Client(technicianKey).PostAsJsonAsync("/api/closures",
            new { provider = "constellix", name = "x", start = s, end = (start + Duration.FromHours(1)).ToString() })).StatusCode);
    }
}
