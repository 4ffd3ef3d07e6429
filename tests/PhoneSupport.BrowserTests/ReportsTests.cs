using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PhoneSupport.BrowserTests;

/// <summary>A support manager opens Reports: each section is an SVG chart (an image named by its title) with its table beneath.</summary>
[Collection(ConsoleHostCollection.Name)]
public sealed class ReportsTests(ConsoleHost host)
{
    [Fact]
    public async Task Manager_OpensReports_FindsAChartAndItsTableInEachSection_AndTheCsv()
    {
        // A weekend night contract call, answered and talked 2 h 40 min: a call answered live and a charge beyond the included 2 hours.
        host.At(new NodaTime.LocalDateTime(2026, 7, 11, 23, 0));
        await host.ScalarAsync<int>("with t as (update technicians set status = case when phone_number = '+15550200001' then 'available' else 'offline' end, status_since = now() - interval '1 hour', reserved_call_sid = null, reserved_until = null returning 1) select count(*)::int from t");
        var account = await host.CreateAccountAsync("Corporate", contract: true, stripeCustomer: "cus_R" + ConsoleHost.Unique(12));
        await host.CallAsync("+1555998" + ConsoleHost.Unique(4), "+17038803095",
            Emulators.Twilio.ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"), Emulators.Twilio.TechnicianScript.Accepting(TimeSpan.FromMinutes(160)));
        await host.PostChargesAsync();
        host.Clock.Set(ConsoleHost.BusinessHours);
        var page = await host.SignInAsync("manager");
        try
        {
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/reports"));
            await page.GetByLabel("Support line").SelectOptionAsync("constellix");
            await page.GetByLabel("From (local date)").FillAsync("2026-06-01");
            await page.GetByLabel("To (local date, inclusive)").FillAsync("2026-07-31");
            await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();

            foreach (var (section, title) in new[]
            {
                ("calls", "Calls offered, answered and abandoned per day"), ("levels", "Service level and SLA met, percent per day"),
                ("callbacks", "Callbacks kept on time, late and missed per day due"), ("revenue", "Revenue billed per month by window"),
            })
            {
                var chart = page.Locator($"#{section} svg[role='img']");
                await Expect(chart).ToBeVisibleAsync();
                await Expect(page.GetByRole(AriaRole.Img, new() { Name = title })).ToBeVisibleAsync();
                await Expect(page.Locator($"#{section} svg + .table-wrap table")).ToBeVisibleAsync();
                await Expect(page.Locator($"#{section} table caption")).Not.ToBeEmptyAsync();
            }
            Assert.True(await page.Locator("#calls svg text.tick").CountAsync() > 5); // the scale's 5 labels and day labels
            await Expect(page.Locator("#calls table tbody tr", new() { HasText = "2026-07-11" })).ToBeVisibleAsync();
            await Expect(page.Locator("#revenue table tbody tr", new() { HasText = "2026-07" }).First).ToBeVisibleAsync();
            Assert.True(await page.Locator("#calls svg rect.c2").CountAsync() > 1); // an "answered" bar beside the legend's swatch
            await ConsoleHost.ScreenshotAsync(page, "40-reports");

            var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "service report" }).ClickAsync());
            var path = Path.Combine(ConsoleHost.ScreenshotFolder, "service-report.csv");
            await download.SaveAsAsync(path);
            var header = (await File.ReadAllLinesAsync(path))[0];
            Assert.StartsWith("period,provider,plan,severity,offered,answeredLive,answeredWithinTarget,abandoned", header, StringComparison.Ordinal);

            var narrow = await host.SignInAsync("manager", 390);
            await narrow.GotoAsync("/console/reports?provider=constellix");
            await Expect(narrow.Locator("section.report svg[role='img']")).ToHaveCountAsync(4);
            await ConsoleHost.ScreenshotAsync(narrow, "41-reports-phone");
            await narrow.Context.CloseAsync();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Technician_IsRefusedTheReportsPage()
    {
        var page = await host.SignInAsync("technician");
        try
        {
            await page.GotoAsync("/console/reports");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not for your role" })).ToBeVisibleAsync();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
