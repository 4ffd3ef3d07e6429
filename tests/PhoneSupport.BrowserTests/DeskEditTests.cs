using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PhoneSupport.BrowserTests;

/// <summary>Issue 12 in the console: an admin edits an account and adds a closure, a technician cancels a callback.</summary>
[Collection(ConsoleHostCollection.Name)]
public sealed class DeskEditTests(ConsoleHost host)
{
    [Fact]
    public async Task Admin_EditsAnAccount_AndAFormDrawnBeforeAnotherEdit_IsRefused()
    {
        host.Clock.Set(ConsoleHost.BusinessHours);
        var account = await host.CreateAccountAsync("Business");
        var page = await host.SignInAsync("admin");
        var other = await host.SignInAsync("admin");
        try
        {
            await page.GotoAsync($"/console/admin/accounts/{account.Id}");
            await other.GotoAsync($"/console/admin/accounts/{account.Id}");
            var form = page.GetByRole(AriaRole.Region, new() { Name = "Edit account" });
            await form.GetByLabel("Name", new() { Exact = true }).FillAsync("Edited in the browser");
            await form.GetByLabel("Membership (plan)").FillAsync("SmallBusiness");
            await form.GetByLabel("Stripe customer (cus_…, empty for none)").FillAsync("cus_Browser1");
            await form.GetByRole(AriaRole.Button, new() { Name = "Save account" }).ClickAsync();

            await Expect(page.GetByText("Account saved.")).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Edited in the browser" })).ToBeVisibleAsync();
            Assert.Equal("SmallBusiness", await host.ScalarAsync<string>("select membership from accounts where id = $1", account.Id));
            Assert.Equal("staff", await host.ScalarAsync<string>(
                "select actor_kind from audit_log where entity = 'account' and entity_id = $1 and action = 'updated'", account.Id.ToString()));
            await ConsoleHost.ScreenshotAsync(page, "40-admin-account-edited");

            await other.GetByRole(AriaRole.Region, new() { Name = "Edit account" }).GetByLabel("Name", new() { Exact = true }).FillAsync("Stale edit");
            await other.GetByRole(AriaRole.Button, new() { Name = "Save account" }).ClickAsync();
            await Expect(other.GetByText("Someone else changed this account")).ToBeVisibleAsync();
            Assert.Equal("Edited in the browser", await host.ScalarAsync<string>("select name from accounts where id = $1", account.Id));
        }
        finally
        {
            await page.Context.CloseAsync();
            await other.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Admin_EndsAContract_AndRetiresATechnician()
    {
        host.Clock.Set(ConsoleHost.BusinessHours);
        var account = await host.CreateAccountAsync("Corporate", contract: true);
        var technicianName = "Retiree " + ConsoleHost.Unique(4);
        var technicianId = Guid.CreateVersion7();
        await host.ScalarAsync<int>(
            "insert into technicians (id, name, phone_number, providers, skills, languages, status, status_since, created_at, version) values ($1, $2, $3, '{constellix}', '{}', '{en}', 'offline', now(), now(), 0) returning 1",
            technicianId, technicianName, "+1444" + ConsoleHost.Unique(7));
        var page = await host.SignInAsync("admin");
        try
        {
            await page.GotoAsync($"/console/admin/accounts/{account.Id}");
            await page.GetByLabel($"New last day of contract {account.ContractNumber}").FillAsync("2026-09-30");
            await page.GetByRole(AriaRole.Button, new() { Name = $"Save the end of contract {account.ContractNumber}" }).ClickAsync();
            await Expect(page.GetByText($"Contract {account.ContractNumber} now ends on 2026-09-30.")).ToBeVisibleAsync();
            await Expect(page.Locator("#contracts")).ToContainTextAsync("2026-09-30");

            await page.GotoAsync("/console/admin/technicians");
            await page.GetByRole(AriaRole.Button, new() { Name = $"Retire {technicianName}" }).ClickAsync();
            await Expect(page.GetByText("Technician retired.")).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Reinstate {technicianName}" })).ToBeVisibleAsync();
            Assert.False(await host.ScalarAsync<bool>("select active from technicians where id = $1", technicianId));
            Assert.Equal("offline", await host.ScalarAsync<string>("select status from technicians where id = $1", technicianId));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Technician_CancelsACallback_FromTheDesk_AndItIsNeverDialled()
    {
        host.Clock.Set(ConsoleHost.BusinessHours);
        await host.ScalarAsync<int>("with t as (update technicians set status = 'offline', reserved_call_sid = null returning 1) select count(*)::int from t");
        var waiting = await host.CreateAccountAsync("Corporate");
        var promised = await host.CallAsync(waiting.Phone, "+17038803095", Emulators.Twilio.ScriptedCaller.Keys("3", "1", "1"));
        var callback = await host.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", promised.CallSid);
        var page = await host.SignInAsync("technician");
        try
        {
            var row = page.Locator("#callback-queue tr", new() { HasText = waiting.Name });
            await Expect(row).ToBeVisibleAsync();
            await row.Locator("details.callback-control > summary").ClickAsync();
            await row.GetByLabel("Why cancel").FillAsync("Solved by e-mail");
            await row.GetByRole(AriaRole.Button, new() { Name = "Cancel callback" }).ClickAsync();

            await Expect(page.GetByText("The callback is cancelled")).ToBeVisibleAsync();
            await Expect(page.Locator("#callback-queue tr", new() { HasText = waiting.Name })).ToHaveCountAsync(0);
            Assert.Equal("cancelled", await host.ScalarAsync<string>("select status from callbacks where id = $1", callback));
            Assert.Equal("Solved by e-mail", await host.ScalarAsync<string>("select cancel_reason from callbacks where id = $1", callback));
            Assert.Equal("demo.technician", await host.ScalarAsync<string>(
                "select actor from audit_log where entity = 'callback' and entity_id = $1 and action = 'cancelled'", callback.ToString()));
            await ConsoleHost.ScreenshotAsync(page, "41-desk-callback-cancelled");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Admin_AddsAClosure_ItsWindowIsAHolidayForTheAccounts_ThenDeletesIt()
    {
        host.Clock.Set(ConsoleHost.BusinessHours); // Wednesday 1 July 2026, 10:00 in New York
        var account = await host.CreateAccountAsync("Business");
        var page = await host.SignInAsync("admin");
        var name = "Storm " + ConsoleHost.Unique(4);
        try
        {
            await page.GotoAsync("/console/admin/closures");
            await page.GetByLabel("Provider", new() { Exact = true }).SelectOptionAsync("constellix");
            await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
            await page.GetByLabel("From (the provider's local time)").FillAsync("2026-07-01T09:00");
            await page.GetByLabel("Until (the provider's local time)").FillAsync("2026-07-01T13:00");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add closure" }).ClickAsync();

            await Expect(page.GetByText($"Closure '{name}' added.")).ToBeVisibleAsync();
            var row = page.Locator("#closures tr", new() { HasText = name });
            await Expect(row).ToContainTextAsync("Wed 1 Jul 2026 09:00 EDT");
            await Expect(row).ToContainTextAsync("13:00 EDT");
            Assert.Equal(DateTime.Parse("2026-07-01T13:00:00Z", null, System.Globalization.DateTimeStyles.AdjustToUniversal),
                await host.ScalarAsync<DateTime>("select starts_at from closures where name = $1", name));
            await ConsoleHost.ScreenshotAsync(page, "42-admin-closures");

            await page.GotoAsync($"/console/admin/accounts/{account.Id}");
            await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Entitled to now" })).ToContainTextAsync($"holiday ({name})");

            await page.GotoAsync("/console/admin/closures");
            await page.GetByRole(AriaRole.Button, new() { Name = $"Delete the closure {name}" }).ClickAsync();
            await Expect(page.GetByText("Closure deleted.")).ToBeVisibleAsync();
            await page.GotoAsync($"/console/admin/accounts/{account.Id}");
            await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Entitled to now" })).ToContainTextAsync("business");
            Assert.Equal("deleted,created", await host.ScalarAsync<string>(
                "select string_agg(action, ',' order by id desc) from audit_log where entity = 'closure' and (after->>'name' = $1 or before->>'name' = $1)", name));
        }
        finally
        {
            await host.ScalarAsync<int>("with d as (delete from closures where name = $1 returning 1), n as (select pg_notify('closures_changed', '')) select count(*)::int from d, n", name);
            await page.Context.CloseAsync();
        }
    }
}
