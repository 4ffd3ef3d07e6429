using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PhoneSupport.BrowserTests;

/// <summary>
/// An admin runs a what-if (issue 17): a draft with an error shows the line beside the field; fixed (the weekend rate of the
/// contract raised), it shows the totals, the chart of billed before and after per account, and the tables.
/// </summary>
[Collection(ConsoleHostCollection.Name)]
public sealed class WhatIfTests(ConsoleHost host)
{
    [Fact]
    public async Task Admin_RunsADraftWithAnError_SeesTheLine_FixesIt_AndSeesTheChartAndTheTables()
    {
        var account = await host.WeekendContractCallAsync();
        host.Clock.Set(ConsoleHost.BusinessHours);
        var page = await host.SignInAsync("admin");
        try
        {
            await page.GotoAsync("/console/admin/policies/what-if?provider=constellix");
            var yaml = page.GetByLabel("Draft policy (YAML, as in the policy file)");
            var shipped = await yaml.InputValueAsync();
            Assert.Contains("provider: constellix", shipped, StringComparison.Ordinal);
            var line = Array.FindIndex(shipped.Split('\n'), l => l.Contains("minimumSteps: 1", StringComparison.Ordinal)) + 1;
            await yaml.FillAsync(shipped.Replace("minimumSteps: 1", "minimumSteps: lots", StringComparison.Ordinal));
            await page.GetByLabel("From (local date of the line)").FillAsync("2026-07-01");
            await page.GetByLabel("To (local date, inclusive)").FillAsync("2026-07-31");
            await page.GetByRole(AriaRole.Button, new() { Name = "Run the what-if" }).ClickAsync();

            await Expect(page.Locator("#yaml-errors li").First).ToContainTextAsync($"line {line}:");
            await Expect(yaml).ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(page.Locator("#what-if-result")).ToHaveCountAsync(0);
            await ConsoleHost.ScreenshotAsync(page, "50-what-if-error");

            // Fixed, and the contract's weekend rate raised from 120 to 150 dollars per hour.
            await yaml.FillAsync(shipped.Replace("ratesPerHour: { night: 12000, weekend: 12000, holiday: 26000 }",
                "ratesPerHour: { night: 12000, weekend: 15000, holiday: 26000 }", StringComparison.Ordinal));
            await page.GetByRole(AriaRole.Button, new() { Name = "Run the what-if" }).ClickAsync();

            await Expect(page.Locator("#what-if-result")).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Billed before and after the draft, per account (USD)" })).ToBeVisibleAsync();
            var row = page.Locator("#what-if-accounts tbody tr", new() { HasText = account.Name });
            await Expect(row).ToContainTextAsync("$120.00");
            await Expect(row).ToContainTextAsync("$150.00");
            await Expect(row).ToContainTextAsync("+$30.00 more");
            await Expect(page.Locator("#what-if-result svg text", new() { HasText = "after $150.00" }).First).ToBeVisibleAsync();
            await Expect(page.Locator("#what-if-calls tbody tr.changed").First).ToContainTextAsync("Yes: billed");
            await ConsoleHost.ScreenshotAsync(page, "51-what-if-result");

            // The calls as CSV, from the same form.
            var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download the calls as CSV" }).ClickAsync());
            var path = Path.Combine(ConsoleHost.ScreenshotFolder, "what-if.csv");
            await download.SaveAsAsync(path);
            var lines = await File.ReadAllLinesAsync(path);
            Assert.StartsWith("callSid,answeredAt,accountId,accountName,windowBefore,windowAfter,decisionBefore,decisionAfter,billedBefore,billedAfter", lines[0], StringComparison.Ordinal);
            Assert.Contains(lines, l => l.Contains(account.Name, StringComparison.Ordinal) && l.Contains(",weekend,weekend,liveRouteUsingIncluded,liveRouteUsingIncluded,12000,15000,3000,usd,", StringComparison.Ordinal));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
