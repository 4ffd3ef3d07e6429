using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PhoneSupport.BrowserTests;

/// <summary>The admin pages: accounts, technicians, staff users, API keys, policies and the flow diagrams.</summary>
[Collection(ConsoleHostCollection.Name)]
public sealed class AdminTests(ConsoleHost host)
{
    [Fact]
    public async Task Admin_SeesAccountsContractsAllowanceAndTams()
    {
        host.Clock.Set(ConsoleHost.BusinessHours);
        var page = await host.SignInAsync("admin");

        await Expect(page.Locator("#accounts")).ToContainTextAsync("Acme Corporation");
        await Expect(page.Locator("#accounts")).ToContainTextAsync("Marco Rossi"); // TAM of Alpenbank Digital
        await ConsoleHost.ScreenshotAsync(page, "10-admin-accounts");
        await page.GetByRole(AriaRole.Link, new() { Name = "Acme Corporation" }).ClickAsync();

        await Expect(page.Locator("#contracts")).ToContainTextAsync("5550001");
        await Expect(page.Locator("#contracts")).ToContainTextAsync("2026-01-15");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Entitled to now" })).ToBeVisibleAsync();
        await ConsoleHost.ScreenshotAsync(page, "11-admin-account");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task NewAccount_WithBadFields_ShowsTheApisErrorsNextToEachField()
    {
        var page = await host.SignInAsync("admin");
        var form = page.GetByRole(AriaRole.Region, new() { Name = "New account" });

        await form.GetByLabel("Provider").SelectOptionAsync("constellix");
        await form.GetByLabel("Name", new() { Exact = true }).FillAsync("Bad Input Ltd");
        await form.GetByLabel("Membership (plan)").FillAsync("Platinum");
        await form.GetByLabel("Account number").FillAsync("12ab");
        await form.GetByLabel("Caller IDs (E.164, one per line)").FillAsync("555-0100");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();

        await Expect(page.Locator("[data-valmsg-for='Input.Membership']")).ToContainTextAsync("'Platinum' is not a constellix plan");
        await Expect(page.Locator("[data-valmsg-for='Input.AccountNumber']")).ToContainTextAsync("4 to 12 digits");
        await Expect(page.Locator("[data-valmsg-for='Input.PhoneNumbers']")).ToContainTextAsync("not an E.164 number");
        await Expect(page.GetByLabel("Account number")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("input-validation-error"));
        await Expect(page.GetByLabel("Account number")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Account number")).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("4 to 12 digits"));
        await ConsoleHost.ScreenshotAsync(page, "12-admin-validation");

        var number = ConsoleHost.Unique(8);
        await page.GetByLabel("Membership (plan)").FillAsync("Business");
        await page.GetByLabel("Account number").FillAsync(number);
        await page.GetByLabel("Caller IDs (E.164, one per line)").FillAsync("+1555" + ConsoleHost.Unique(7));
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await Expect(page.GetByText("Account created.")).ToBeVisibleAsync();
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from accounts where account_number = $1", number));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Admin_CreatesAStaffUser_WhoSignsIn_ThenDisablesThem()
    {
        var page = await host.SignInAsync("admin");
        await page.GotoAsync("/console/admin/staff");
        var userName = "fin." + ConsoleHost.Unique(5);

        await page.GetByLabel("User name").FillAsync(userName);
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Test Finance");
        await page.GetByLabel("Role").SelectOptionAsync("finance");
        await page.GetByLabel("Technician (for technician users)").SelectOptionAsync(new SelectOptionValue { Label = "Sam Ortiz" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await Expect(page.Locator("[data-valmsg-for='Input.TechnicianId']")).ToContainTextAsync("Only technician users are linked");

        await page.GetByLabel("Technician (for technician users)").SelectOptionAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        var password = await page.Locator("#new-password .secret").InnerTextAsync();
        Assert.Equal(20, password.Trim().Length);
        Assert.StartsWith("AQAAAA", await host.ScalarAsync<string>("select password_hash from staff_users where user_name = $1", userName)); // PasswordHasher v3
        await ConsoleHost.ScreenshotAsync(page, "13-admin-staff");

        var colleague = await host.NewPageAsync();
        await colleague.GotoAsync("/console/sign-in");
        await colleague.GetByLabel("User name").FillAsync(userName);
        await colleague.GetByLabel("Password").FillAsync(password.Trim());
        await colleague.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(colleague.GetByRole(AriaRole.Heading, new() { Name = "Charges", Level = 1 })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = $"Disable {userName}" }).ClickAsync();
        await Expect(page.Locator("#staff tr", new() { HasText = userName })).ToContainTextAsync("disabled");
        await colleague.ReloadAsync();
        Assert.Contains("/console/sign-in", colleague.Url, StringComparison.Ordinal); // the open session ended
        await colleague.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Admin_CreatesAndRevokesAnApiKey_ThatWorksOnTheApi()
    {
        var page = await host.SignInAsync("admin");
        await page.GotoAsync("/console/admin/api-keys");
        var name = "browser test " + ConsoleHost.Unique(4);

        await page.GetByLabel("Who or what uses it").FillAsync(name);
        await page.GetByLabel("Role").SelectOptionAsync("finance");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var key = (await page.Locator("#new-key .secret").InnerTextAsync()).Trim();

        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/api/accounts?limit=1")).StatusCode);
        await ConsoleHost.ScreenshotAsync(page, "14-admin-api-keys");

        await page.GetByRole(AriaRole.Button, new() { Name = $"Revoke the key {name}" }).ClickAsync();
        await Expect(page.Locator("#api-keys tr", new() { HasText = name })).ToContainTextAsync("revoked");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync("/api/accounts?limit=1")).StatusCode);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Policies_AndEachFlowDrawnAsADiagram()
    {
        var page = await host.SignInAsync("admin");
        await page.GotoAsync("/console/admin/policies");

        foreach (var flow in new[] { "constellix", "constructor" })
        {
            var diagram = page.Locator($"section:has(#flow-{flow}-heading) svg");
            await Expect(diagram).ToBeVisibleAsync();
            Assert.True(await diagram.Locator("rect[rx='8']").CountAsync() >= 10, $"{flow}: a box per step");
            Assert.True(await diagram.Locator("path[marker-end]").CountAsync() >= 10, $"{flow}: an arrow per branch");
        }
        await Expect(page.Locator("svg text", new() { HasText = "main-menu" }).First).ToBeVisibleAsync();
        await ConsoleHost.ScreenshotAsync(page, "15-admin-policies-flows");
        await page.GotoAsync("/console/admin/technicians");
        await Expect(page.Locator("#technicians")).ToContainTextAsync("Dana Reyes");
        await ConsoleHost.ScreenshotAsync(page, "16-admin-technicians");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task PolicyDiff_APastedNightRateChange_ShowsItsRow_AndABrokenDraftItsLine()
    {
        var page = await host.SignInAsync("admin");
        await page.GotoAsync("/console/admin/policies/diff?provider=constellix");
        var after = page.GetByLabel("After", new() { Exact = true });
        var current = await after.InputValueAsync();
        Assert.Contains("provider: constellix", current, StringComparison.Ordinal); // prefilled with the loaded policy

        await after.FillAsync(current.Replace("ratesPerHour: { night: 12000,", "ratesPerHour: { night: 15000,", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();

        var row = page.Locator("#policy-diff tr[data-path='plans.Corporate.contract.ratesPerHour.night']");
        await Expect(row).ToContainTextAsync("Corporate contract night rate");
        await Expect(row.Locator("td[data-label='Change']")).ToHaveTextAsync("changed");
        await Expect(row.Locator("td[data-label='Before']")).ToHaveTextAsync("$120.00/h");
        await Expect(row.Locator("td[data-label='After']")).ToHaveTextAsync("$150.00/h");
        await Expect(page.Locator("#policy-diff tbody")).ToHaveCountAsync(1);
        await ConsoleHost.ScreenshotAsync(page, "17-admin-policy-diff");

        var broken = current.Replace("zone: America/New_York", "zone: America/Nowhere", StringComparison.Ordinal);
        var zoneLine = broken.Split('\n').ToList().FindIndex(l => l.StartsWith("zone:", StringComparison.Ordinal)) + 1;
        await after.FillAsync(broken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();

        await Expect(page.Locator("#Input_After-error")).ToContainTextAsync($"line {zoneLine}: 'America/Nowhere' is not an IANA time zone");
        await Expect(page.GetByLabel("After", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#policy-diff")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
