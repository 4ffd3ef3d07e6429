using Microsoft.Playwright;
using NodaTime;
using static Microsoft.Playwright.Assertions;

namespace PhoneSupport.BrowserTests;

/// <summary>Finance: a charge from a real after-hours call, traced to its incident and consent, posted to Stripe, waived, exported.</summary>
[Collection(ConsoleHostCollection.Name)]
public sealed class FinanceTests(ConsoleHost host)
{
    /// <summary>A weekend night call on a fresh contract, 2 h 40 min with the included incident: $120 beyond the included 2 hours.</summary>
    private async Task<(Guid AccountId, string Name, Guid ChargeId)> ChargedCallAsync()
    {
        host.At(new LocalDateTime(2026, 7, 11, 23, 0));
        await host.ScalarAsync<int>("with t as (update technicians set status = case when phone_number = '+15550200001' then 'available' else 'offline' end, status_since = now() - interval '1 hour', reserved_call_sid = null, reserved_until = null returning 1) select count(*)::int from t");
        var account = await host.CreateAccountAsync("Corporate", contract: true, stripeCustomer: "cus_B" + ConsoleHost.Unique(12));
        var call = await host.CallAsync("+1555999" + ConsoleHost.Unique(4), "+17038803095",
            Emulators.Twilio.ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"), Emulators.Twilio.TechnicianScript.Accepting(TimeSpan.FromMinutes(160)));
        var charge = await host.ScalarAsync<Guid>("select c.id from charges c join incidents i on i.id = c.incident_id where i.call_sid = $1", call.CallSid);
        Assert.NotEqual(Guid.Empty, charge);
        return (account.Id, account.Name, charge);
    }

    [Fact]
    public async Task Finance_OpensAChargeOntoItsIncidentAndConsent_SeesStripe_AndWaivesItWithAReason()
    {
        var (accountId, name, chargeId) = await ChargedCallAsync();
        await host.PostChargesAsync();
        var page = await host.SignInAsync("finance");

        await page.GetByLabel("Account", new() { Exact = true }).SelectOptionAsync(accountId.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        var row = page.Locator($"#charges tr[data-charge='{chargeId}']");
        await Expect(row).ToContainTextAsync("$120.00");
        await Expect(page.Locator("#totals")).ToContainTextAsync(name);
        await ConsoleHost.ScreenshotAsync(page, "20-finance-charges");

        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(page.Locator("#incident")).ToContainTextAsync("weekend");
        await Expect(page.Locator("#incident")).ToContainTextAsync("2 h 40 min");
        await Expect(page.Locator("#consent")).ToContainTextAsync("1"); // the key the caller pressed
        await Expect(page.Locator("#stripe")).ToContainTextAsync("in_"); // posted: its Stripe invoice
        await Expect(page.Locator("#legs tbody tr")).ToHaveCountAsync(1);
        await ConsoleHost.ScreenshotAsync(page, "21-finance-charge");

        await page.GetByRole(AriaRole.Button, new() { Name = "Waive" }).ClickAsync();
        await Expect(page.Locator("[data-valmsg-for='Waive.Reason']")).ToContainTextAsync("Required: why the charge is waived");

        await page.GetByLabel("Reason (kept in the audit trail)").FillAsync("Goodwill: the outage on 11 July was ours");
        await page.GetByRole(AriaRole.Button, new() { Name = "Waive" }).ClickAsync();
        await Expect(page.Locator("#charge-status")).ToHaveTextAsync("waived");
        await Expect(page.Locator("#waived")).ToContainTextAsync("demo.finance");
        await Expect(page.Locator("#trail")).ToContainTextAsync("waived");
        Assert.Equal("waived", await host.ScalarAsync<string>("select status from charges where id = $1", chargeId));
        Assert.Equal("Goodwill: the outage on 11 July was ours", await host.ScalarAsync<string>("select waived_reason from charges where id = $1", chargeId));
        await ConsoleHost.ScreenshotAsync(page, "22-finance-charge-waived");
        await page.Context.CloseAsync();
        host.Clock.Set(ConsoleHost.BusinessHours);
    }

    [Fact]
    public async Task Finance_ExportsTheFilteredChargesAsCsv()
    {
        var (accountId, name, chargeId) = await ChargedCallAsync();
        var page = await host.SignInAsync("finance");
        await page.GotoAsync($"/console/finance?account={accountId}&from=2026-07-01&to=2026-07-31");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        Assert.Null(await download.FailureAsync());
        var path = Path.Combine(ConsoleHost.ScreenshotFolder, "charges.csv");
        await download.SaveAsAsync(path);
        var lines = await File.ReadAllLinesAsync(path);

        Assert.Equal("charges.csv", download.SuggestedFilename);
        Assert.StartsWith("charge_id,created_at,status", lines[0], StringComparison.Ordinal);
        var line = Assert.Single(lines.Skip(1));
        Assert.Contains(chargeId.ToString(), line, StringComparison.Ordinal);
        Assert.Contains(name, line, StringComparison.Ordinal);
        Assert.Contains(",12000,120.00,usd,", line, StringComparison.Ordinal);
        await page.Context.CloseAsync();
        host.Clock.Set(ConsoleHost.BusinessHours);
    }

    [Fact]
    public async Task Finance_BadFilter_IsExplainedNextToTheField()
    {
        var page = await host.SignInAsync("finance");

        var response = await page.GotoAsync("/console/finance?from=yesterday&status=lost");

        Assert.Equal(400, response!.Status);
        await Expect(page.Locator("#from-error")).ToContainTextAsync("'yesterday' is not");
        await Expect(page.Locator("#status-error")).ToContainTextAsync("'lost' is not a charge status");
        await page.Context.CloseAsync();
    }
}
