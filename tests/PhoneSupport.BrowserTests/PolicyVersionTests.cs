using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PhoneSupport.BrowserTests;

/// <summary>Issue 17: an admin publishes a policy version from the console — a draft with an error first (its line shown), then fixed.</summary>
[Collection(ConsoleHostCollection.Name)]
public sealed class PolicyVersionTests(ConsoleHost host)
{
    /// <summary>The shipped Constellix policy as version <paramref name="version"/>, with a night rate rise.</summary>
    public static string Draft(string version) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-flows", "constellix.policy.yaml"))
            .Replace("version: \"2026.11.1\"", $"version: \"{version}\"", StringComparison.Ordinal)
            .Replace("ratesPerHour: { night: 12000,", "ratesPerHour: { night: 15000,", StringComparison.Ordinal);

    [Fact]
    public async Task Admin_PublishesADraftWithAnError_SeesItsLine_FixesIt_AndSeesItScheduled_ThenWithdrawsIt()
    {
        host.Clock.Set(ConsoleHost.BusinessHours);
        var version = "browser-" + ConsoleHost.Unique(6);
        var page = await host.SignInAsync("admin");
        try
        {
            var fixedDraft = Draft(version);
            var broken = fixedDraft.Replace("  minimumSteps: 1", "  minimumSteps: many", StringComparison.Ordinal);
            var line = broken.Split('\n').ToList().FindIndex(l => l.Contains("minimumSteps: many", StringComparison.Ordinal)) + 1;
            Assert.True(line > 1);

            await page.GotoAsync("/console/admin/policies/versions");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "What if" })).ToHaveAttributeAsync("href", "/console/admin/policies/what-if");
            await page.GetByLabel("Provider", new() { Exact = true }).SelectOptionAsync("constellix");
            await page.GetByLabel("Policy YAML", new() { Exact = false }).FillAsync(broken);
            await page.GetByLabel("Effective from", new() { Exact = false }).FillAsync("2095-01-01T00:00");
            await page.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
            await Expect(page.Locator("[data-valmsg-for='Input.Yaml']")).ToContainTextAsync($"line {line}:");
            Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from policy_versions where version = $1", version));
            await ConsoleHost.ScreenshotAsync(page, "50-admin-policy-version-error");

            await page.GetByLabel("Policy YAML", new() { Exact = false }).FillAsync(fixedDraft); // the field kept the draft: fixed here
            await page.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
            await Expect(page.GetByText("Version published for constellix.")).ToBeVisibleAsync();
            var row = page.Locator("#versions-table-constellix tr", new() { HasText = version });
            await Expect(row).ToContainTextAsync("scheduled");
            await Expect(row).ToContainTextAsync("2095");
            await Expect(page.Locator("#versions-table-constellix tr", new() { HasText = "2026.11.1" })).ToContainTextAsync("effective");
            Assert.Equal("api", await host.ScalarAsync<string>("select source from policy_versions where version = $1", version));
            await ConsoleHost.ScreenshotAsync(page, "51-admin-policy-versions");

            await page.GetByRole(AriaRole.Button, new() { Name = $"Withdraw version {version} of constellix" }).ClickAsync();
            await Expect(page.GetByText($"Version {version} of constellix withdrawn.")).ToBeVisibleAsync();
            await Expect(page.Locator("#versions-table-constellix tr", new() { HasText = version })).ToContainTextAsync("withdrawn");
            Assert.Equal("withdrawn,published", await host.ScalarAsync<string>(
                "select string_agg(action, ',' order by id desc) from audit_log where entity = 'policyVersion' and entity_id = $1", "constellix/" + version));
        }
        finally
        {
            await host.ScalarAsync<int>("with d as (delete from policy_versions where version = $1 returning 1), n as (select pg_notify('policy_versions_changed', '')) select count(*)::int from d, n", version);
            await page.Context.CloseAsync();
        }
    }

    /// <summary>
    /// Issue 17's path through the console: a draft with an error is refused with its line, fixed and published for later; its
    /// "replay past calls" opens the what-if with that version's text, and the run shows the chart and the account's difference.
    /// </summary>
    [Fact]
    public async Task Admin_PublishesAFixedDraft_ThenReplaysLastMonthUnderIt_AndSeesTheChart()
    {
        var account = await host.WeekendContractCallAsync();
        host.Clock.Set(ConsoleHost.BusinessHours);
        var version = "browser-wi-" + ConsoleHost.Unique(6);
        var page = await host.SignInAsync("admin");
        try
        {
            var fixedDraft = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-flows", "constellix.policy.yaml"))
                .Replace("version: \"2026.11.1\"", $"version: \"{version}\"", StringComparison.Ordinal)
                .Replace("ratesPerHour: { night: 12000, weekend: 12000, holiday: 26000 }", "ratesPerHour: { night: 12000, weekend: 15000, holiday: 26000 }", StringComparison.Ordinal);
            var broken = fixedDraft.Replace("  minimumSteps: 1", "  minimumSteps: many", StringComparison.Ordinal);
            var line = broken.Split('\n').ToList().FindIndex(l => l.Contains("minimumSteps: many", StringComparison.Ordinal)) + 1;

            await page.GotoAsync("/console/admin/policies/versions");
            await page.GetByLabel("Provider", new() { Exact = true }).SelectOptionAsync("constellix");
            await page.GetByLabel("Policy YAML", new() { Exact = false }).FillAsync(broken);
            await page.GetByLabel("Effective from", new() { Exact = false }).FillAsync("2095-01-01T00:00");
            await page.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
            await Expect(page.Locator("[data-valmsg-for='Input.Yaml']")).ToContainTextAsync($"line {line}:");

            await page.GetByLabel("Policy YAML", new() { Exact = false }).FillAsync(fixedDraft);
            await page.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
            await Expect(page.Locator("#versions-table-constellix tr", new() { HasText = version })).ToContainTextAsync("scheduled");

            // The diff between the version in effect and the new one: the weekend rate of the contract.
            await page.GetByLabel("Compare", new() { Exact = true }).SelectOptionAsync("2026.11.1");
            await page.GetByLabel("with", new() { Exact = true }).SelectOptionAsync(version);
            await page.GetByRole(AriaRole.Button, new() { Name = "Show the differences" }).ClickAsync();
            await Expect(page.Locator("table.policy-diff")).ToContainTextAsync("$150.00/h");
            await AxeAssert.NoViolationsAsync(page, "policy versions with a diff shown");

            await page.GetByRole(AriaRole.Link, new() { Name = $"Replay past calls under version {version} of constellix" }).ClickAsync();
            var yaml = page.GetByLabel("Draft policy (YAML, as in the policy file)");
            Assert.Contains($"version: \"{version}\"", await yaml.InputValueAsync(), StringComparison.Ordinal);
            await page.GetByLabel("From (local date of the line)").FillAsync("2026-07-01");
            await page.GetByLabel("To (local date, inclusive)").FillAsync("2026-07-31");
            await page.GetByRole(AriaRole.Button, new() { Name = "Run the what-if" }).ClickAsync();

            await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Billed before and after the draft, per account (USD)" })).ToBeVisibleAsync();
            var row = page.Locator("#what-if-accounts tbody tr", new() { HasText = account.Name });
            await Expect(row).ToContainTextAsync("+$30.00 more");
            await ConsoleHost.ScreenshotAsync(page, "52-admin-version-what-if");
        }
        finally
        {
            await host.ScalarAsync<int>("with d as (delete from policy_versions where version = $1 returning 1), n as (select pg_notify('policy_versions_changed', '')) select count(*)::int from d, n", version);
            await page.Context.CloseAsync();
        }
    }
}
