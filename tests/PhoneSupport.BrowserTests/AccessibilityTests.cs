using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NodaTime;
using static Microsoft.Playwright.Assertions;

namespace PhoneSupport.BrowserTests;

/// <summary>
/// Every console page, as each role sees it and filled with real data (a charge from a real call posted to Stripe, a
/// callback, an after-hours message, a quote asked for by phone), its error pages and its forms after a failed submit:
/// zero axe-core violations (WCAG 2.1 A and AA). Each page first shows what makes it non-empty, then axe runs.
/// </summary>
[Collection(ConsoleHostCollection.Name)]
public sealed class AccessibilityTests(ConsoleHost host)
{
    private const int Laptop = 1280;
    private const int Phone = 390;
    private const int WallScreen = 1920;
    private const string Dana = "+15550200001";

    /// <summary>What the pages show, made once per host by real calls through the Twilio emulator.</summary>
    private sealed record Seeded(Guid AccountId, string AccountName, Guid ChargeId, string CallbackName, string MessageFrom, string QuotePhone);

    private static readonly SemaphoreSlim SeedLock = new(1, 1);
    private static (ConsoleHost Host, Seeded Data)? _seeded;
    private static readonly Dictionary<(ConsoleHost Host, string Role), string> Sessions = [];

    // Every Razor page under src/PhoneSupport/Features/Console/Pages that answers HTML (Board/Live and Technician/Desk are
    // the fragments the board and the desk refresh themselves with, checked inside those pages; Finance/Export is CSV;
    // Index only redirects), in the states worth checking.
    public static TheoryData<string, string, int> Pages => new()
    {
        { "anonymous", "sign-in", Laptop },
        { "anonymous", "sign-in failed", Laptop },
        { "anonymous", "sign-in failed", Phone },
        { "finance", "signed out", Laptop },
        { "technician", "forbidden", Laptop },
        { "technician", "desk", Laptop },
        { "technician", "desk", Phone },
        { "technician", "desk after an error", Laptop },
        { "technician", "desk on a callback", Laptop },
        { "technician", "desk on a live call after a refused transfer", Laptop },
        { "technician", "desk on a live call after a refused transfer", Phone },
        { "technician", "board", Laptop },
        { "finance", "charges", Laptop },
        { "finance", "charges", Phone },
        { "finance", "charges bad filter", Laptop },
        { "finance", "charges empty", Laptop },
        { "finance", "charge", Laptop },
        { "finance", "charge", Phone },
        { "finance", "charge failed waive", Laptop },
        { "finance", "charge waived", Laptop },
        { "finance", "quotes", Laptop },
        { "finance", "quotes", Phone },
        { "finance", "quotes failed price", Laptop },
        { "finance", "board", Laptop },
        { "finance", "board", Phone },
        { "finance", "board", WallScreen },
        { "admin", "accounts", Laptop },
        { "admin", "accounts", Phone },
        { "admin", "accounts failed create", Laptop },
        { "admin", "account", Laptop },
        { "admin", "account", Phone },
        { "admin", "account failed contract", Laptop },
        { "admin", "account failed session", Laptop },
        { "admin", "technicians", Laptop },
        { "admin", "technicians", Phone },
        { "admin", "technicians failed create", Laptop },
        { "admin", "staff", Laptop },
        { "admin", "staff", Phone },
        { "admin", "staff failed create", Laptop },
        { "admin", "staff with a locked user", Laptop },
        { "admin", "api keys", Laptop },
        { "admin", "api keys", Phone },
        { "admin", "api keys failed create", Laptop },
        { "admin", "policies", Laptop },
        { "admin", "policies", Phone },
        { "admin", "policies flow lists open", Laptop },
        { "admin", "policy diff", Laptop },
        { "admin", "policy diff", Phone },
        { "admin", "policy diff failed", Laptop },
        { "admin", "what-if", Laptop },
        { "admin", "what-if", Phone },
        { "admin", "what-if failed yaml", Laptop },
        { "admin", "what-if result", Laptop },
        { "admin", "what-if result", Phone },
        { "admin", "charges", Laptop },
        { "admin", "board", Laptop },
        { "technician", "call", Laptop },
        { "technician", "call", Phone },
        { "finance", "call", Laptop },
        { "admin", "call failed note", Laptop },
        { "technician", "settings", Laptop },
        { "admin", "settings failed", Phone },
        { "admin", "account failed edit", Laptop },
        { "admin", "closures", Laptop },
        { "admin", "closures", Phone },
        { "admin", "closures failed create", Laptop },
        { "admin", "policy versions", Laptop },
        { "admin", "policy versions", Phone },
        { "admin", "policy versions failed publish", Laptop },
        { "admin", "audit", Laptop },
        { "admin", "audit", Phone },
        { "admin", "audit bad filter", Laptop },
        { "technician", "desk callback controls open", Laptop },
        { "manager", "reports", Laptop },
        { "manager", "reports", Phone },
        { "manager", "reports bad range", Laptop },
        { "finance", "reports", Laptop },
        { "admin", "reports", WallScreen },
    };

    /// <summary>The Razor page (its route) each view is, or why a page has no view of its own.</summary>
    private static string RouteOf(string view) => view switch
    {
        _ when view.StartsWith("sign-in", StringComparison.Ordinal) => "console/sign-in",
        "signed out" => "console/sign-out",
        "forbidden" => "console/forbidden",
        _ when view.StartsWith("desk", StringComparison.Ordinal) => "console/technician",
        "board" => "console/board",
        _ when view.StartsWith("charges", StringComparison.Ordinal) => "console/finance",
        _ when view.StartsWith("charge", StringComparison.Ordinal) => "console/finance/charges/{id:guid}",
        _ when view.StartsWith("quotes", StringComparison.Ordinal) => "console/finance/quotes",
        _ when view.StartsWith("accounts", StringComparison.Ordinal) => "console/admin",
        _ when view.StartsWith("account", StringComparison.Ordinal) => "console/admin/accounts/{id:guid}",
        _ when view.StartsWith("technicians", StringComparison.Ordinal) => "console/admin/technicians",
        _ when view.StartsWith("staff", StringComparison.Ordinal) => "console/admin/staff",
        _ when view.StartsWith("api keys", StringComparison.Ordinal) => "console/admin/api-keys",
        _ when view.StartsWith("policy diff", StringComparison.Ordinal) => "console/admin/policies/diff",
        _ when view.StartsWith("policies", StringComparison.Ordinal) => "console/admin/policies",
        _ when view.StartsWith("what-if", StringComparison.Ordinal) => "console/admin/policies/what-if",
        _ when view.StartsWith("call", StringComparison.Ordinal) => "console/calls/{callSid}",
        _ when view.StartsWith("settings", StringComparison.Ordinal) => "console/settings",
        _ when view.StartsWith("closures", StringComparison.Ordinal) => "console/admin/closures",
        _ when view.StartsWith("policy versions", StringComparison.Ordinal) => "console/admin/policies/versions",
        _ when view.StartsWith("audit", StringComparison.Ordinal) => "console/admin/audit",
        _ when view.StartsWith("reports", StringComparison.Ordinal) => "console/reports",
        _ => throw new ArgumentOutOfRangeException(nameof(view), view, "no such console view"),
    };

    private static readonly Dictionary<string, string> NotPagesOfTheirOwn = new()
    {
        ["console"] = "redirects to the role's home",
        ["console/board/live"] = "the fragment the board refreshes itself with, checked inside the board",
        ["console/technician/desk"] = "the fragment the desk refreshes itself with, checked inside the desk",
        ["console/finance/charges.csv"] = "CSV, not HTML",
        ["console/reports/export/{kind:regex(^(service|revenue)$)}"] = "CSV, not HTML",
    };

    [Fact]
    public void EveryConsoleRazorPage_IsCheckedWithAxe()
    {
        var routes = host.Services.GetRequiredService<IActionDescriptorCollectionProvider>().ActionDescriptors.Items
            .OfType<PageActionDescriptor>()
            .Select(p => p.AttributeRouteInfo?.Template?.TrimStart('/') ?? p.ViewEnginePath)
            .Where(t => t.StartsWith("console", StringComparison.Ordinal))
            .ToHashSet();
        var checkedRoutes = Pages.Select(row => RouteOf((string)row[1])).ToHashSet();

        Assert.True(routes.Count >= 18, $"the console's Razor pages: {string.Join(", ", routes)}");
        Assert.Empty(routes.Except(checkedRoutes).Except(NotPagesOfTheirOwn.Keys));
        Assert.Empty(checkedRoutes.Except(routes)); // no view names a page that is gone
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task EveryConsolePage_AsEachRoleSeesIt_HasNoAxeViolations(string role, string view, int width)
    {
        var data = await SeedAsync();
        host.Clock.Set(ConsoleHost.BusinessHours);
        var page = role == "anonymous" ? await host.NewPageAsync(width)
            : view == "signed out" ? await host.SignInAsync(role, width) // a session of its own to end
            : await SignedInAsync(role, width);
        try
        {
            var after = await ShowAsync(page, role, view, data);
            await AxeAssert.NoViolationsAsync(page, $"{view} ({role}, {width} px wide, {page.Url})");
            if (after is not null) await after();
        }
        finally
        {
            host.Clock.Set(ConsoleHost.BusinessHours);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task TheDesk_AnAriaLiveRegion_IsNotRenderedAgainWhileNothingChanges_ButIsWhenSomethingDoes()
    {
        host.Clock.Set(ConsoleHost.BusinessHours);
        await SetTechniciansAsync($"case when phone_number = '{Dana}' then 'available' else 'offline' end");
        var page = await SignedInAsync("technician", Laptop);
        try
        {
            Assert.Equal("polite", await page.Locator("#desk").GetAttributeAsync("aria-live"));
            await Expect(page.Locator("#my-state")).ToHaveTextAsync("available");
            await page.WaitForTimeoutAsync(1500); // the first refresh (every second here) may render once
            await page.EvaluateAsync("() => document.querySelector('#state-title').dataset.seen = 'yes'");

            await page.WaitForTimeoutAsync(3500); // three refreshes or more, with the same answer each time

            Assert.Equal("yes", await page.Locator("#state-title").GetAttributeAsync("data-seen"));
            await host.ScalarAsync<int>("with t as (update technicians set status = 'offline' where phone_number = $1 returning 1) select count(*)::int from t", Dana);
            await Expect(page.Locator("#my-state")).ToHaveTextAsync("offline"); // the desk refreshed itself
            Assert.Null(await page.Locator("#state-title").GetAttributeAsync("data-seen"));
        }
        finally
        {
            await SetTechniciansAsync($"case when phone_number = '{Dana}' then 'available' else 'offline' end");
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task AxeAssert_FailsOnAPageWithViolations_NamingEachRuleItsHelpAndTheNodes()
    {
        var page = await host.NewPageAsync();
        try
        {
            await page.SetContentAsync("""
                <!DOCTYPE html><html><head><title>broken on purpose</title></head><body>
                <p style="color:#aaaaaa;background:#ffffff">Low contrast text</p>
                <input type="text" id="nameless">
                <a href="/console"><svg width="10" height="10"></svg></a>
                </body></html>
                """);

            var failure = await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => AxeAssert.NoViolationsAsync(page, "the broken page"));

            Assert.Contains("on the broken page", failure.Message, StringComparison.Ordinal);
            foreach (var rule in new[] { "html-has-lang", "color-contrast", "label", "link-name" })
                Assert.Contains($"- {rule} (", failure.Message, StringComparison.Ordinal);
            Assert.Contains("Elements must meet minimum color contrast ratio thresholds", failure.Message, StringComparison.Ordinal);
            Assert.Contains("<input type=\"text\" id=\"nameless\">", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>
    /// Opens <paramref name="view"/> and waits for the content that makes it worth checking; answers what is left to
    /// do once axe has run (a call to finish), if anything.
    /// </summary>
    private async Task<Func<Task>?> ShowAsync(IPage page, string role, string view, Seeded data)
    {
        switch (view)
        {
            case "sign-in":
                await page.GotoAsync("/console/sign-in");
                await Expect(page.GetByLabel("User name")).ToBeVisibleAsync();
                break;
            case "sign-in failed":
                await page.GotoAsync("/console/sign-in");
                await page.GetByLabel("User name").FillAsync("nobody." + ConsoleHost.Unique(6));
                await page.GetByLabel("Password").FillAsync("not the password");
                await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
                await Expect(page.Locator("#sign-in-error")).ToBeVisibleAsync();
                break;
            case "signed out":
                await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
                await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Signed out" })).ToBeVisibleAsync();
                break;
            case "forbidden":
                await page.GotoAsync("/console/finance");
                await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not for your role" })).ToBeVisibleAsync();
                break;
            case "desk":
                host.Clock.Advance(Duration.FromMinutes(50)); // the callback promised an hour ago has 10 minutes left: at risk
                await page.ReloadAsync();
                await Expect(page.Locator("#callback-queue tr.at-risk", new() { HasText = data.CallbackName })).ToBeVisibleAsync();
                await Expect(page.Locator("#messages")).ToContainTextAsync(data.MessageFrom);
                await Expect(page.Locator("#quotes")).ToContainTextAsync(data.QuotePhone);
                break;
            case "desk after an error":
                // A quote priced without minutes (the browser's own check bypassed): the desk says so in its error notice.
                await page.EvaluateAsync("() => { const f = document.querySelector('form[action*=PriceQuote]'); f.noValidate = true; f.requestSubmit(); }");
                await Expect(page.Locator("#desk-notice.bad")).ToBeVisibleAsync();
                break;
            case "board":
                host.Clock.Advance(Duration.FromMinutes(70)); // the callback is overdue
                await page.GotoAsync("/console/board");
                await Expect(page.Locator("#board-risk tr.overdue", new() { HasText = data.CallbackName })).ToBeVisibleAsync();
                await Expect(page.Locator("#board-technicians")).ToContainTextAsync("Dana Reyes");
                break;
            case "charges":
                await page.GotoAsync("/console/finance");
                await Expect(page.Locator($"#charges tr[data-charge='{data.ChargeId}']")).ToBeVisibleAsync();
                await Expect(page.Locator("#totals")).ToContainTextAsync(data.AccountName);
                break;
            case "reports":
                await page.GotoAsync("/console/reports?provider=constellix");
                await Expect(page.Locator("section.report svg[role='img']")).ToHaveCountAsync(4);
                break;
            case "reports bad range":
                await page.GotoAsync("/console/reports?provider=constellix&from=2026-07-10&to=2026-07-01");
                await Expect(page.Locator("#from-error")).ToContainTextAsync("on or before");
                break;
            case "charges bad filter":
                await page.GotoAsync("/console/finance?from=yesterday&to=2026-02-30&status=lost");
                await Expect(page.Locator("#from-error")).ToContainTextAsync("'yesterday' is not");
                await Expect(page.Locator("#status-error")).ToContainTextAsync("'lost' is not a charge status");
                break;
            case "charges empty":
                await page.GotoAsync("/console/finance?from=2020-01-01&to=2020-01-31");
                await Expect(page.GetByText("No charges match.")).ToBeVisibleAsync();
                break;
            case "charge":
                await page.GotoAsync($"/console/finance/charges/{data.ChargeId}");
                await Expect(page.Locator("#stripe")).ToContainTextAsync("in_");
                await Expect(page.Locator("#legs tbody tr")).ToHaveCountAsync(1);
                break;
            case "charge failed waive":
                await page.GotoAsync($"/console/finance/charges/{data.ChargeId}");
                await page.GetByRole(AriaRole.Button, new() { Name = "Waive" }).ClickAsync();
                await Expect(page.Locator("[data-valmsg-for='Waive.Reason']")).ToContainTextAsync("Required");
                break;
            case "quotes":
                await page.GotoAsync("/console/finance/quotes");
                await Expect(page.Locator("#quote-list")).ToContainTextAsync(data.QuotePhone);
                break;
            case "quotes failed price":
                await page.GotoAsync("/console/finance/quotes");
                await page.EvaluateAsync("() => { const f = document.querySelector('#quote-list form'); f.noValidate = true; f.requestSubmit(); }");
                await Expect(page.Locator("#quotes-notice.bad")).ToBeVisibleAsync();
                break;
            case "accounts":
                await page.GotoAsync("/console/admin");
                await Expect(page.Locator("#accounts")).ToContainTextAsync("Acme Corporation");
                break;
            case "accounts failed create":
                await page.GotoAsync("/console/admin");
                var form = page.GetByRole(AriaRole.Region, new() { Name = "New account" });
                await form.GetByLabel("Membership (plan)").FillAsync("Platinum");
                await form.GetByLabel("Account number").FillAsync("12ab");
                await form.GetByLabel("Caller IDs (E.164, one per line)").FillAsync("555-0100");
                await form.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
                await Expect(page.Locator("[data-valmsg-for='Input.AccountNumber']")).ToContainTextAsync("4 to 12 digits");
                break;
            case "account":
                await page.GotoAsync($"/console/admin/accounts/{data.AccountId}");
                await Expect(page.Locator("#contracts")).ToBeVisibleAsync();
                await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Entitled to now" })).ToBeVisibleAsync();
                break;
            case "account failed contract":
                await page.GotoAsync($"/console/admin/accounts/{data.AccountId}");
                await page.GetByLabel("Contract number").FillAsync("x1");
                await page.GetByRole(AriaRole.Button, new() { Name = "Add contract" }).ClickAsync();
                await Expect(page.Locator("[data-valmsg-for='Contract.ContractNumber']")).Not.ToBeEmptyAsync();
                break;
            case "account failed session":
                await page.GotoAsync($"/console/admin/accounts/{data.AccountId}");
                // No start (a datetime-local input takes no free text): the API's errors show next to the fields.
                await page.GetByRole(AriaRole.Button, new() { Name = "Add exam session" }).ClickAsync();
                await Expect(page.Locator("section:has(#new-session-title) .field-error:not(:empty)").First).ToBeVisibleAsync();
                break;
            case "account failed edit":
                await page.GotoAsync($"/console/admin/accounts/{data.AccountId}");
                await page.GetByLabel("Membership (plan)", new() { Exact = true }).FillAsync("Platinum");
                await page.GetByRole(AriaRole.Button, new() { Name = "Save account" }).ClickAsync();
                await Expect(page.Locator("[data-valmsg-for='Edit.Membership']")).ToContainTextAsync("Platinum");
                break;
            case "policy diff":
                await page.GotoAsync("/console/admin/policies/diff?provider=constellix");
                var draft = (await page.GetByLabel("After", new() { Exact = true }).InputValueAsync())
                    .Replace("ratesPerHour: { night: 12000,", "ratesPerHour: { night: 15000,", StringComparison.Ordinal);
                await page.GetByLabel("After", new() { Exact = true }).FillAsync(draft);
                await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
                await Expect(page.Locator("#policy-diff tr[data-path='plans.Corporate.contract.ratesPerHour.night']")).ToBeVisibleAsync();
                break;
            case "policy diff failed":
                await page.GotoAsync("/console/admin/policies/diff?provider=constellix");
                await page.GetByLabel("After", new() { Exact = true }).FillAsync("provider: constellix\nzone: Mars/Olympus\n");
                await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
                await Expect(page.Locator("#Input_After-error")).ToContainTextAsync("line 2:");
                break;
            case "closures":
                await page.GotoAsync("/console/admin/closures");
                if (await page.Locator("#closures").CountAsync() == 0)
                {
                    // Far ahead of every other test's clock: listed, never in any window checked here.
                    await page.GetByLabel("Provider", new() { Exact = true }).SelectOptionAsync("constellix");
                    await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Axe check closure");
                    await page.GetByLabel("From (the provider's local time)").FillAsync("2090-03-01T09:00");
                    await page.GetByLabel("Until (the provider's local time)").FillAsync("2090-03-01T12:00");
                    await page.GetByRole(AriaRole.Button, new() { Name = "Add closure" }).ClickAsync();
                }
                await Expect(page.Locator("#closures")).ToBeVisibleAsync();
                break;
            case "policy versions":
                await page.GotoAsync("/console/admin/policies/versions");
                await Expect(page.Locator("#versions-table-constellix")).ToBeVisibleAsync();
                break;
            case "policy versions failed publish":
                await page.GotoAsync("/console/admin/policies/versions");
                await page.GetByLabel("Provider", new() { Exact = true }).SelectOptionAsync("constellix");
                await page.GetByLabel("Policy YAML", new() { Exact = false }).FillAsync(PolicyVersionTests.Draft("axe-check").Replace("  minimumSteps: 1", "  minimumSteps: many", StringComparison.Ordinal));
                await page.GetByLabel("Effective from", new() { Exact = false }).FillAsync("2095-01-01T00:00");
                await page.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
                await Expect(page.Locator("[data-valmsg-for='Input.Yaml']")).Not.ToBeEmptyAsync();
                break;
            case "closures failed create":
                await page.GotoAsync("/console/admin/closures");
                await page.GetByLabel("Provider", new() { Exact = true }).SelectOptionAsync("constellix");
                await page.GetByLabel("From (the provider's local time)").FillAsync("2090-03-02T09:00");
                await page.GetByLabel("Until (the provider's local time)").FillAsync("2090-03-01T09:00");
                await page.GetByRole(AriaRole.Button, new() { Name = "Add closure" }).ClickAsync();
                await Expect(page.Locator("[data-valmsg-for='Input.End']")).Not.ToBeEmptyAsync();
                break;
            case "audit":
                // A change of its own first (a key revoked through the console), so the log has a row whatever ran before.
                await page.GotoAsync("/console/admin/api-keys");
                await page.GetByLabel("Who or what uses it").FillAsync("audit check " + ConsoleHost.Unique(4));
                await page.GetByLabel("Role").SelectOptionAsync("finance");
                await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
                await Expect(page.Locator("#new-key .secret")).ToBeVisibleAsync();
                await page.GotoAsync("/console/admin/audit?entity=apiKey");
                await Expect(page.Locator("#audit")).ToContainTextAsync("created");
                break;
            case "audit bad filter":
                await page.GotoAsync("/console/admin/audit?entity=no-such-thing&from=2026-02-30");
                await Expect(page.Locator(".validation-summary-errors")).ToBeVisibleAsync();
                break;
            case "desk callback controls open":
                await Expect(page.Locator("#callback-queue tr", new() { HasText = data.CallbackName })).ToBeVisibleAsync();
                await page.Locator("#callback-queue tr", new() { HasText = data.CallbackName }).Locator("details.callback-control > summary").ClickAsync();
                await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel callback" }).First).ToBeVisibleAsync();
                break;
            case "technicians":
                await page.GotoAsync("/console/admin/technicians");
                await Expect(page.Locator("#technicians")).ToContainTextAsync("Dana Reyes");
                break;
            case "technicians failed create":
                await page.GotoAsync("/console/admin/technicians");
                await page.GetByLabel("Phone number (E.164)").FillAsync("555-0100");
                await page.GetByRole(AriaRole.Button, new() { Name = "Create technician" }).ClickAsync();
                await Expect(page.Locator("[data-valmsg-for='Input.PhoneNumber']")).Not.ToBeEmptyAsync();
                break;
            case "staff":
                await page.GotoAsync("/console/admin/staff");
                await Expect(page.Locator("#staff")).ToContainTextAsync("demo.technician");
                break;
            case "staff failed create":
                await page.GotoAsync("/console/admin/staff");
                await page.GetByLabel("Role").SelectOptionAsync("finance");
                await page.GetByLabel("Technician (for technician users)").SelectOptionAsync(new SelectOptionValue { Label = "Sam Ortiz" });
                await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
                await Expect(page.Locator("[data-valmsg-for='Input.TechnicianId']")).ToContainTextAsync("Only technician users are linked");
                break;
            case "api keys":
                await page.GotoAsync("/console/admin/api-keys");
                await page.GetByLabel("Who or what uses it").FillAsync("axe check " + ConsoleHost.Unique(4));
                await page.GetByLabel("Role").SelectOptionAsync("finance");
                await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
                await Expect(page.Locator("#new-key .secret")).ToBeVisibleAsync(); // the key shown once, and the list
                await Expect(page.Locator("#api-keys tbody tr").First).ToBeVisibleAsync();
                break;
            case "api keys failed create":
                await page.GotoAsync("/console/admin/api-keys");
                await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
                await Expect(page.Locator("[data-valmsg-for='Input.Name']")).Not.ToBeEmptyAsync();
                break;
            case "policies":
            case "policies flow lists open":
                await page.GotoAsync("/console/admin/policies");
                await Expect(page.Locator("section:has(#flow-constellix-heading) svg")).ToBeVisibleAsync();
                if (view == "policies flow lists open")
                    foreach (var summary in await page.Locator("details > summary").AllAsync()) await summary.ClickAsync();
                break;
            case "what-if":
                await page.GotoAsync("/console/admin/policies/what-if?provider=constellix");
                await Expect(page.GetByLabel("Draft policy (YAML, as in the policy file)")).Not.ToBeEmptyAsync();
                break;
            case "what-if failed yaml":
            case "what-if result":
                // Over the month of the seeded calls; a broken draft first (the error beside the field), or the shipped one.
                await page.GotoAsync("/console/admin/policies/what-if?provider=constellix");
                var yaml = page.GetByLabel("Draft policy (YAML, as in the policy file)");
                if (view == "what-if failed yaml") await yaml.FillAsync((await yaml.InputValueAsync()).Replace("minimumSteps: 1", "minimumSteps: lots", StringComparison.Ordinal));
                await page.GetByLabel("From (local date of the line)").FillAsync("2026-07-01");
                await page.GetByLabel("To (local date, inclusive)").FillAsync("2026-07-31");
                await page.GetByRole(AriaRole.Button, new() { Name = "Run the what-if" }).ClickAsync();
                await Expect(page.Locator(view == "what-if result" ? "#what-if-result" : "#yaml-errors li").First).ToBeVisibleAsync();
                break;
            case "desk on a live call after a refused transfer":
                // Dana on a live call (a real one, ended since: the desk shows what it holds) with the Transfer form; a transfer
                // to a skill nobody has is refused and the desk says why (decision 013).
                var caller = await host.CreateAccountAsync("Corporate");
                var live = await host.CallAsync(caller.Phone, "+17038803095", Emulators.Twilio.ScriptedCaller.Keys("3", "1", "1"));
                await host.ScalarAsync<int>("with t as (update technicians set status = 'busy', reserved_call_sid = $2 where phone_number = $1 returning 1) select count(*)::int from t",
                    Dana, live.CallSid);
                await host.ScalarAsync<int>("with c as (update calls set ended_at = null where call_sid = $1 returning 1) select count(*)::int from c", live.CallSid);
                await page.ReloadAsync();
                await Expect(page.Locator("#transfer-form")).ToBeVisibleAsync();
                await page.GetByLabel("Or to a skill").FillAsync("nobody-has-this-skill");
                // Enter keeps the focus in the field, so the desk's refresh (which waits while a field has the focus) cannot
                // re-render the form between typing and sending.
                await page.GetByLabel("Or to a skill").PressAsync("Enter");
                await Expect(page.Locator("#desk-notice.bad")).ToContainTextAsync("No technician with the skill");
                await Expect(page.Locator("#transfer-form")).ToBeVisibleAsync();
                return async () => await SetTechniciansAsync($"case when phone_number = '{Dana}' then 'available' else 'offline' end");
            case "desk on a callback":
                // A callback of its own (the seeded one stays scheduled): Dana calls back and is on that call.
                await SetTechniciansAsync("'offline'");
                var waiting = await host.CreateAccountAsync("Corporate");
                var promised = await host.CallAsync(waiting.Phone, "+17038803095", Emulators.Twilio.ScriptedCaller.Keys("3", "1", "1"));
                var callback = await host.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", promised.CallSid);
                host.Twilio.Phone(Dana, Emulators.Twilio.Rest.CalledParty.Pressing("1")).Phone(waiting.Phone, Emulators.Twilio.Rest.CalledParty.Talking(TimeSpan.FromMinutes(3)));
                await page.ReloadAsync();
                await page.GetByRole(AriaRole.Button, new() { Name = "Available" }).ClickAsync();
                await page.GetByRole(AriaRole.Button, new() { Name = $"Call back {waiting.Name} now" }).ClickAsync();
                await Expect(page.Locator("#desk-notice")).ToContainTextAsync("Your phone is ringing");
                await Expect(page.Locator("#live-call")).ToContainTextAsync(waiting.Name);
                var leg = host.Twilio.Calls.Single(c => c.Url?.Contains($"cb={callback:N}", StringComparison.Ordinal) == true);
                return async () =>
                {
                    await host.Twilio.RunCallAsync(leg.Sid);
                    Assert.Equal("completed", await host.ScalarAsync<string>("select status from callbacks where id = $1", callback));
                };
            case "charge waived":
                var (_, waived) = await ChargedCallAsync();
                await page.GotoAsync($"/console/finance/charges/{waived}");
                await page.GetByLabel("Reason (kept in the audit trail)").FillAsync("Goodwill: checked for accessibility");
                await page.GetByRole(AriaRole.Button, new() { Name = "Waive" }).ClickAsync();
                await Expect(page.Locator("#charge-status")).ToHaveTextAsync("waived");
                await Expect(page.Locator("#trail")).ToContainTextAsync("waived");
                break;
            case "staff with a locked user":
                await page.GotoAsync("/console/admin/staff");
                var userName = "locked." + ConsoleHost.Unique(5);
                await page.GetByLabel("User name").FillAsync(userName);
                await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Locked Finance");
                await page.GetByLabel("Role").SelectOptionAsync("finance");
                await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
                await Expect(page.Locator("#new-password .secret")).ToBeVisibleAsync();
                await host.ScalarAsync<int>("with u as (update staff_users set locked_until = $2 where user_name = $1 returning 1) select count(*)::int from u",
                    userName, (host.Clock.GetCurrentInstant() + Duration.FromMinutes(15)).ToDateTimeUtc());
                await page.GotoAsync("/console/admin/staff");
                await Expect(page.Locator("#staff tr", new() { HasText = userName })).ToContainTextAsync("locked until");
                break;
            case "call":
                // The charged weekend-night call: Dana took it, so the technician may read it too.
                await page.GotoAsync("/console/calls/" + await ChargedCallSidAsync(data));
                await Expect(page.Locator("#timeline tr[data-kind='connected']")).ToBeVisibleAsync();
                await Expect(page.Locator("#timeline")).ToContainTextAsync("Charge");
                break;
            case "call failed note":
                await page.GotoAsync("/console/calls/" + await ChargedCallSidAsync(data));
                await page.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
                await Expect(page.Locator("#note-form .field-error").First).ToContainTextAsync("Required");
                break;
            case "settings":
                await page.GotoAsync("/console/settings");
                await Expect(page.Locator("#zone-in-use")).ToContainTextAsync("America/New_York");
                break;
            case "settings failed":
                await page.GotoAsync("/console/settings");
                await page.GetByRole(AriaRole.Combobox, new() { Name = "Time zone (an IANA name; empty for the default)" }).FillAsync("Nowhere/Special");
                await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
                await Expect(page.Locator(".field-error")).ToContainTextAsync("not a time zone");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(view), view, $"no such console view (as {role})");
        }
        return null;
    }

    /// <summary>
    /// Once per host: a charged weekend-night call posted to Stripe, a callback promised at 10:00 on a weekday, an
    /// after-hours sales message and a quote asked for by phone on a Friday night. Technicians' states are put back.
    /// </summary>
    private async Task<Seeded> SeedAsync()
    {
        await SeedLock.WaitAsync();
        try
        {
            if (_seeded is { } seeded && ReferenceEquals(seeded.Host, host)) return seeded.Data;
            var states = new List<(Guid Id, string Status)>();
            await using (var connection = new Npgsql.NpgsqlConnection(host.ConnectionString))
            {
                await connection.OpenAsync();
                await using var read = new Npgsql.NpgsqlCommand("select id, status from technicians", connection);
                await using var reader = await read.ExecuteReaderAsync();
                while (await reader.ReadAsync()) states.Add((reader.GetGuid(0), reader.GetString(1)));
            }
            try
            {
                var (charged, charge) = await ChargedCallAsync();

                // Friday evening and night: sales takes a message; a SmallBusiness caller asks for a quote.
                host.At(new LocalDateTime(2026, 12, 4, 19, 0));
                var messageFrom = "+1555" + ConsoleHost.Unique(7);
                await host.CallAsync(messageFrom, "+17038803095", Emulators.Twilio.ScriptedCaller.Keys("1"));
                host.At(new LocalDateTime(2026, 12, 4, 20, 0));
                var quoted = await host.CreateAccountAsync("SmallBusiness");
                await host.CallAsync(quoted.Phone, "+17038803095", Emulators.Twilio.ScriptedCaller.Keys("3", "1", "1"));

                // Business hours, nobody free: a callback is promised within the hour.
                host.Clock.Set(ConsoleHost.BusinessHours);
                await SetTechniciansAsync("'offline'");
                var waiting = await host.CreateAccountAsync("Corporate");
                await host.CallAsync(waiting.Phone, "+17038803095", Emulators.Twilio.ScriptedCaller.Keys("3", "1", "1"));

                var data = new Seeded(charged.Id, charged.Name, charge, waiting.Name, messageFrom, quoted.Phone);
                _seeded = (host, data);
                return data;
            }
            finally
            {
                host.Clock.Set(ConsoleHost.BusinessHours);
                foreach (var (id, status) in states)
                    await host.ScalarAsync<int>("with t as (update technicians set status = $2, status_since = now(), reserved_call_sid = null, reserved_until = null where id = $1 returning 1) select count(*)::int from t", id, status);
            }
        }
        finally
        {
            SeedLock.Release();
        }
    }

    /// <summary>
    /// A page of <paramref name="role"/> at its home: signed in through the form once per role, then the same session
    /// (its cookies) in each new browser context, so the sign-in throttle sees a person, not dozens of sign-ins.
    /// </summary>
    private async Task<IPage> SignedInAsync(string role, int width)
    {
        if (!Sessions.TryGetValue((host, role), out var state))
        {
            var first = await host.SignInAsync(role, width);
            Sessions[(host, role)] = await first.Context.StorageStateAsync();
            return first;
        }
        var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = host.BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            Locale = "en-US",
            StorageState = state,
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console");
        Assert.DoesNotContain("/console/sign-in", page.Url, StringComparison.Ordinal);
        return page;
    }

    /// <summary>A weekend night call on a fresh contract, 2 h 40 min: a charge beyond the included incident, posted to Stripe.</summary>
    private async Task<((Guid Id, string Name, string Phone, string? ContractNumber) Account, Guid ChargeId)> ChargedCallAsync()
    {
        host.At(new LocalDateTime(2026, 7, 11, 23, 0));
        try
        {
            await SetTechniciansAsync($"case when phone_number = '{Dana}' then 'available' else 'offline' end");
            var account = await host.CreateAccountAsync("Corporate", contract: true, stripeCustomer: "cus_A" + ConsoleHost.Unique(12));
            var call = await host.CallAsync("+1555998" + ConsoleHost.Unique(4), "+17038803095",
                Emulators.Twilio.ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"), Emulators.Twilio.TechnicianScript.Accepting(TimeSpan.FromMinutes(160)));
            var charge = await host.ScalarAsync<Guid>("select c.id from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", call.CallSid);
            Assert.NotEqual(Guid.Empty, charge);
            await host.PostChargesAsync();
            return (account, charge);
        }
        finally
        {
            host.Clock.Set(ConsoleHost.BusinessHours);
        }
    }

    private async Task<string> ChargedCallSidAsync(Seeded data) =>
        (await host.ScalarAsync<string>("select i.call_sid from charges c join incidents i on i.id = c.incident_id where c.id = $1", data.ChargeId))!;

    private Task<int> SetTechniciansAsync(string status) =>
        host.ScalarAsync<int>($"with t as (update technicians set status = {status}, status_since = now() - interval '1 hour', reserved_call_sid = null, reserved_until = null returning 1) select count(*)::int from t");
}
