using System.Net.Http.Json;
using PhoneSupport.Load;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.WhatIf;

/// <summary>
/// The load harness's <c>whatif</c> scenario, reduced: 5,000 generated calls of March 2032 (a month no other test uses) written
/// set-based, then replayed through the API; the totals must equal the sums PostgreSQL computes from the rows (not a timing test).
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class WhatIfVolumeTests(ServiceFixture fixture)
{
    private static readonly DateTimeOffset From = new(2032, 3, 1, 5, 0, 0, TimeSpan.Zero);   // 1 March 2032, 00:00 in New York
    private static readonly DateTimeOffset To = new(2032, 4, 1, 4, 0, 0, TimeSpan.Zero);     // 1 April 2032, 00:00 in New York (EDT)

    [Fact]
    public async Task FiveThousandGeneratedCalls_ReplayToTheSumsOfTheirRows()
    {
        var seeded = await WhatIfLoad.SeedAsync(fixture.ConnectionString, "t" + Guid.NewGuid().ToString("N")[..8], 5_000, 200, From, To,
            long.Parse("6" + TestAccounts.UniqueDigits(6), System.Globalization.CultureInfo.InvariantCulture) * 1000);
        var billed = await WhatIfLoad.BilledAsync(fixture.ConnectionString, From, To);
        var atNight = await WhatIfLoad.BilledAtNightRateAsync(fixture.ConnectionString, From, To, 15000);
        Assert.True(billed > 0 && atNight > billed, $"billed {billed}, at the night rate {atNight}");
        await using var api = new AdminApi(fixture);
        var period = new { from = "2032-03-01", to = "2032-04-01" };

        var (current, _) = await WhatIfLoad.AskAsync(api.Admin, new { version = WhatIfLoad.Version, period.from, period.to });
        var totals = current["totals"]!;
        Assert.Equal(seeded.Calls, (int)totals["calls"]!);
        Assert.Equal(billed, (long)totals["billedBefore"]!);
        Assert.Equal(billed, (long)totals["billedAfter"]!);
        Assert.Equal(0, (int)totals["unexplained"]!);
        Assert.Equal(200, current["accounts"]!.AsArray().Count);
        Assert.Single(current["calls"]!.AsArray()); // ?limit=1: one page of one call, the count beside it
        Assert.Equal(seeded.Calls, (int)current["callCount"]!);

        var (draft, _) = await WhatIfLoad.AskAsync(api.Admin, new { yaml = WhatIfLoad.NightRateDraft(File.ReadAllText(WhatIfLoad.ShippedPolicy()), 15000), period.from, period.to });
        Assert.Equal(billed, (long)draft["totals"]!["billedBefore"]!);
        Assert.Equal(atNight, (long)draft["totals"]!["billedAfter"]!);
        Assert.Equal(atNight - billed, (long)draft["totals"]!["billedDifference"]!);
        Assert.Equal(atNight - billed, draft["accounts"]!.AsArray().Sum(a => (long)a!["difference"]!));
        Assert.Equal(0, (int)draft["totals"]!["routedDifferently"]!);
    }
}
