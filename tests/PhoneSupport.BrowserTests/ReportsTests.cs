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
        host.Clock.Set(ConsoleHost.BusinessHours);
        var page = await host.SignInAsync("manager");
        try
        {
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/reports"));
            await page.GetByLabel("Support line").SelectOptionAsync("constellix");
            await page.GetByLabel("From (local date)").FillAsync("2026-06-01");
            await page.GetByLabel("To (local date, inclusive)").FillAsync("2026-07-01");
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
