using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PhoneSupport.BrowserTests;

/// <summary>The technician's desk: availability, and the callback queue filling from a simulated call.</summary>
[Collection(ConsoleHostCollection.Name)]
public sealed class TechnicianTests(ConsoleHost host)
{
    [Fact]
    public async Task Technician_GoesOfflineAndAvailableAgain_AndTheServiceSeesIt()
    {
        host.Clock.Set(ConsoleHost.BusinessHours);
        var page = await host.SignInAsync("technician");
        var state = page.Locator("#my-state");

        await page.GetByRole(AriaRole.Button, new() { Name = "Offline" }).ClickAsync();
        await Expect(state).ToHaveTextAsync("offline");
        Assert.Equal("offline", await host.ScalarAsync<string>("select status from technicians where phone_number = '+15550200001'"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Available" }).ClickAsync();
        await Expect(state).ToHaveTextAsync("available");
        Assert.Equal("available", await host.ScalarAsync<string>("select status from technicians where phone_number = '+15550200001'"));
        Assert.Equal("demo.technician", await host.ScalarAsync<string>(
            "select e.data -> 'by' ->> 'name' from technician_events e join technicians t on t.id = e.technician_id where t.phone_number = '+15550200001' and e.kind = 'availability' order by e.id desc limit 1"));
        await ConsoleHost.ScreenshotAsync(page, "02-technician-desk");
        await page.Context.CloseAsync();

        var phone = await host.SignInAsync("technician", 390, 844);
        await Expect(phone.Locator("#my-state")).ToHaveTextAsync("available");
        await ConsoleHost.ScreenshotAsync(phone, "07-technician-desk-phone");
        await phone.Context.CloseAsync();
    }
}

/// <summary>The desk's auto-refresh never wipes a form the technician is filling in (console.js).</summary>
[Collection(ConsoleHostCollection.Name)]
public sealed class DeskRefreshTests(ConsoleHost host)
{
    private const string Dana = "+15550200001";

    [Fact]
    public async Task TheTransferField_KeepsWhatWasTyped_PastRefreshes_FocusedOrNot_AndTheRefreshResumesOnceItIsPutBack()
    {
        host.Clock.Set(ConsoleHost.BusinessHours);
        var page = await host.SignInAsync("technician");
        // Dana on a live call (a real one, ended since: the desk shows what it holds), so the desk shows the Transfer form.
        var caller = await host.CreateAccountAsync("Corporate");
        var live = await host.CallAsync(caller.Phone, "+17038803095", Emulators.Twilio.ScriptedCaller.Keys("3", "1", "1"));
        try
        {
            await host.ScalarAsync<int>("with t as (update technicians set status = 'busy', reserved_call_sid = $2 where phone_number = $1 returning 1) select count(*)::int from t",
                Dana, live.CallSid);
            await host.ScalarAsync<int>("with c as (update calls set ended_at = null where call_sid = $1 returning 1) select count(*)::int from c", live.CallSid);
            await page.ReloadAsync();
            var skill = page.GetByLabel("Or to a skill");
            await Expect(skill).ToBeVisibleAsync();
            // A mark on the rendered form: a refresh that re-renders the desk replaces the form and loses it.
            await page.Locator("#transfer-form").EvaluateAsync("f => f.dataset.untouched = 'yes'");

            await Expect(page.Locator("#live-call")).ToContainTextAsync(caller.Name);
            await skill.FillAsync("tier2");
            // News the desk would show: the caller's account renamed.
            await host.ScalarAsync<int>("with a as (update accounts set name = name || ' Renamed' where name = $1 returning 1) select count(*)::int from a", caller.Name);
            await page.WaitForTimeoutAsync(2500); // the test host refreshes every second
            await Expect(skill).ToHaveValueAsync("tier2");
            await Expect(skill).ToBeFocusedAsync();

            // The focus elsewhere, the typed value still holds the refresh back.
            await skill.EvaluateAsync("e => e.blur()");
            await page.WaitForTimeoutAsync(2500);
            await Expect(skill).ToHaveValueAsync("tier2");
            await Expect(page.Locator("#transfer-form[data-untouched='yes']")).ToHaveCountAsync(1);
            await Expect(page.Locator("#live-call")).Not.ToContainTextAsync(caller.Name + " Renamed");
            await AxeAssert.NoViolationsAsync(page, "desk with a transfer being typed");

            // Put back (emptied, unfocused): the refresh runs again and re-renders the desk.
            await skill.FillAsync("");
            await skill.EvaluateAsync("e => e.blur()");
            await Expect(page.Locator("#live-call")).ToContainTextAsync(caller.Name + " Renamed", new() { Timeout = 10_000 });
            await Expect(page.Locator("#transfer-form[data-untouched='yes']")).ToHaveCountAsync(0);
            await Expect(page.Locator("#transfer-form")).ToBeVisibleAsync();
        }
        finally
        {
            await host.ScalarAsync<int>("with t as (update technicians set status = 'available', reserved_call_sid = null where phone_number = $1 returning 1) select count(*)::int from t", Dana);
            await host.ScalarAsync<int>("with c as (update calls set ended_at = now() where call_sid = $1 returning 1) select count(*)::int from c", live.CallSid);
            await page.Context.CloseAsync();
        }
    }
}

/// <summary>A caller who finds nobody free leaves a callback; the technician sees it arrive, calls back, the board follows.</summary>
[Collection(ConsoleHostCollection.Name)]
public sealed class CallbackQueueTests(ConsoleHost host)
{
    private const string Dana = "+15550200001";

    private async Task<(string Name, string Phone, Guid CallbackId)> PromiseCallbackAsync()
    {
        await host.ScalarAsync<int>("with t as (update technicians set status = 'offline', reserved_call_sid = null, reserved_until = null returning 1) select count(*)::int from t");
        await host.ScalarAsync<int>("with c as (update callbacks set status = 'cancelled' where status in ('scheduled', 'dialing') returning 1) select count(*)::int from c");
        var account = await host.CreateAccountAsync("Corporate");
        var call = await host.CallAsync(account.Phone, "+17038803095", Emulators.Twilio.ScriptedCaller.Keys("3", "1", "1"));
        Assert.Contains(call.OfKind(Emulators.Twilio.TranscriptKind.Said), e => e.Text.Contains("A technician will call you back", StringComparison.Ordinal));
        return (account.Name, account.Phone, (await host.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", call.CallSid)));
    }

    [Fact]
    public async Task SimulatedCall_LeavesACallback_ThatAppearsOnTheDesk_AndCallBackNowDialsTheTechnicianOnce()
    {
        host.Clock.Set(ConsoleHost.BusinessHours);
        var page = await host.SignInAsync("technician");
        await page.GetByRole(AriaRole.Button, new() { Name = "Offline" }).ClickAsync();

        var (name, phone, callbackId) = await PromiseCallbackAsync();

        var row = page.Locator($"#callback-queue tr[data-callback='{callbackId}']");
        await Expect(row).ToContainTextAsync(name); // the desk refreshed itself
        await Expect(row).ToContainTextAsync("1 h 00 min");
        await ConsoleHost.ScreenshotAsync(page, "03-technician-callback-queue");

        host.Twilio.Phone(Dana, Emulators.Twilio.Rest.CalledParty.Pressing("1")).Phone(phone, Emulators.Twilio.Rest.CalledParty.Talking(TimeSpan.FromMinutes(6)));
        await page.GetByRole(AriaRole.Button, new() { Name = "Available" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Call back {name} now" }).ClickAsync();

        await Expect(page.Locator("#desk-notice")).ToContainTextAsync("Your phone is ringing");
        var legs = host.Twilio.Calls.Where(c => c.Url?.Contains($"cb={callbackId:N}", StringComparison.Ordinal) == true).ToList();
        Assert.Single(legs);
        Assert.Equal(Dana, legs[0].To);
        Assert.Equal("dialing", await host.ScalarAsync<string>("select status from callbacks where id = $1", callbackId));
        await Expect(page.Locator("#my-state")).ToHaveTextAsync("reserved");
        await Expect(page.Locator("#live-call")).ToContainTextAsync(name); // the call I am on, with the caller's entitlement
        await Expect(page.Locator("#live-call")).ToContainTextAsync("callback");
        await ConsoleHost.ScreenshotAsync(page, "06-technician-on-a-callback");
        await Expect(row.GetByRole(AriaRole.Button)).ToHaveCountAsync(0); // dialling: nothing to click twice

        await host.Twilio.RunCallAsync(legs[0].Sid);

        Assert.Equal("completed", await host.ScalarAsync<string>("select status from callbacks where id = $1", callbackId));
        await Expect(page.Locator("#my-state")).ToHaveTextAsync("wrapUp");
        await Expect(row).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task LiveBoard_ShowsTechniciansByState_AndTheCallbackAtRisk()
    {
        host.Clock.Set(ConsoleHost.BusinessHours);
        var (name, _, _) = await PromiseCallbackAsync();
        var page = await host.SignInAsync("finance");
        await page.GotoAsync("/console/board");
        await Expect(page.Locator("#board-technicians")).ToContainTextAsync("Dana Reyes");
        await Expect(page.Locator("#available-count")).ToHaveTextAsync("0");

        host.Clock.Advance(NodaTime.Duration.FromMinutes(50)); // 10 minutes left of the hour promised
        await host.ScalarAsync<int>("with t as (update technicians set status = 'available' where phone_number = $1 returning 1) select count(*)::int from t", Dana);

        await Expect(page.Locator("#board-risk")).ToContainTextAsync(name); // the board refreshed itself
        await Expect(page.Locator("#available-count")).ToHaveTextAsync("1");
        await Expect(page.Locator("#risk-count")).ToHaveTextAsync("1");
        await ConsoleHost.ScreenshotAsync(page, "04-live-board");
        var phone = await host.SignInAsync("technician", 390, 844);
        await phone.GotoAsync("/console/board");
        await Expect(phone.Locator("#board-risk")).ToContainTextAsync(name);
        await ConsoleHost.ScreenshotAsync(phone, "05-live-board-phone");
        await phone.Context.CloseAsync();
        await page.Context.CloseAsync();
        host.Clock.Set(ConsoleHost.BusinessHours);
    }
}
