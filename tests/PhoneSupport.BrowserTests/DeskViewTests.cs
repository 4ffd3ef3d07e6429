using Microsoft.Playwright;
using NodaTime;
using static Microsoft.Playwright.Assertions;

namespace PhoneSupport.BrowserTests;

/// <summary>
/// Running the desk: after a call the technician records a disposition in wrap-up, reads the call's timeline and adds a note;
/// every instant in the viewer's zone with the zone named.
/// </summary>
[Collection(ConsoleHostCollection.Name)]
public sealed class DeskViewTests(ConsoleHost host)
{
    private const string Dana = "+15550200001";

    [Fact]
    public async Task Technician_RecordsADispositionInWrapUp_ReadsTheCallsTimeline_AndAddsANote()
    {
        host.At(new LocalDateTime(2026, 7, 11, 23, 0)); // a Saturday night: Dana is on call
        await host.ScalarAsync<int>($"with t as (update technicians set status = case when phone_number = '{Dana}' then 'available' else 'offline' end, " +
            "status_since = now() - interval '1 hour', reserved_call_sid = null, reserved_until = null returning 1) select count(*)::int from t");
        var account = await host.CreateAccountAsync("Corporate", contract: true);
        var call = await host.CallAsync("+1555997" + ConsoleHost.Unique(4), "+17038803095",
            Emulators.Twilio.ScriptedCaller.Keys("2", account.ContractNumber + "#", "1"), Emulators.Twilio.TechnicianScript.Accepting(TimeSpan.FromMinutes(20)));
        var incident = await host.ScalarAsync<Guid>("select id from incidents where call_sid = $1", call.CallSid);
        var page = await host.SignInAsync("technician");
        try
        {
            var form = page.Locator("#disposition-form");
            await Expect(form).ToBeVisibleAsync();
            await Expect(page.Locator("#wrapup-title")).ToContainTextAsync("Wrap-up");
            await form.GetByLabel("Disposition").SelectOptionAsync("followUp");
            await form.GetByLabel("Note (optional)").FillAsync("Customer sends the resolver logs tomorrow.");
            await form.GetByRole(AriaRole.Button, new() { Name = "Record disposition" }).ClickAsync();

            await Expect(page.Locator("#desk-notice")).ToContainTextAsync("The disposition is recorded");
            await Expect(page.Locator("#last-disposition")).ToContainTextAsync("follow-up");
            Assert.Equal("followUp", await host.ScalarAsync<string>("select disposition from incident_notes where incident_id = $1", incident));

            await page.Locator("#last-call-link").ClickAsync();
            await page.WaitForURLAsync(url => url.Contains($"/console/calls/{call.CallSid}", StringComparison.Ordinal));
            var timeline = page.Locator("#timeline");
            await Expect(timeline).ToContainTextAsync("Decision");
            await Expect(timeline).ToContainTextAsync("Connected to Dana Reyes for 20 minutes");
            await Expect(timeline).ToContainTextAsync(account.ContractNumber!); // the keys the caller pressed
            await Expect(timeline.Locator("tr[data-kind='step'] td").First).ToContainTextAsync("Sat 11 Jul 2026, 23:00 EDT (America/New_York)");
            await Expect(page.Locator("#notes")).ToContainTextAsync("Customer sends the resolver logs tomorrow.");

            await page.GetByLabel("Note (what was done, what comes next)").FillAsync("Logs received; resolver cache flushed.");
            await page.Locator("#note-form").GetByLabel("Disposition").SelectOptionAsync("resolved");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();

            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Note added.");
            await Expect(page.Locator("#notes li").Last).ToContainTextAsync("Logs received; resolver cache flushed.");
            await Expect(page.Locator("#notes li").Last).ToContainTextAsync("resolved");
            await Expect(page.Locator("#timeline tr[data-kind='note']")).ToHaveCountAsync(2);
            Assert.Equal(2L, await host.ScalarAsync<long>("select count(*) from incident_notes where incident_id = $1", incident));
            Assert.Equal("demo.technician", await host.ScalarAsync<string>("select author from incident_notes where incident_id = $1 order by created_at desc limit 1", incident));
            await ConsoleHost.ScreenshotAsync(page, "20-call-timeline");
        }
        finally
        {
            host.Clock.Set(ConsoleHost.BusinessHours);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task AccountPage_ShowsLocalTimeWithTheZoneName_InTheViewersOwnZoneOnceSet()
    {
        host.Clock.Set(ConsoleHost.BusinessHours); // Wednesday 1 July 2026, 10:00 in New York
        var page = await host.SignInAsync("admin");
        try
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Acme Corporation" }).ClickAsync();
            await Expect(page.Locator("#entitled-at")).ToHaveTextAsync("Wed 1 Jul 2026, 10:00 EDT (America/New_York)"); // the first provider's zone
            await Expect(page.Locator("#contracts")).ToContainTextAsync("(America/New_York)");
            var account = page.Url;

            await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
            await page.GetByRole(AriaRole.Combobox, new() { Name = "Time zone (an IANA name; empty for the default)" }).FillAsync("Mars/Olympus_Mons");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
            await Expect(page.Locator(".field-error")).ToContainTextAsync("not a time zone");
            await page.GetByRole(AriaRole.Combobox, new() { Name = "Time zone (an IANA name; empty for the default)" }).FillAsync("Europe/Zurich");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Europe/Zurich");

            await page.GotoAsync(account);
            await Expect(page.Locator("#entitled-at")).ToHaveTextAsync("Wed 1 Jul 2026, 16:00 CEST (Europe/Zurich)");
            await ConsoleHost.ScreenshotAsync(page, "21-account-in-the-viewers-zone");
        }
        finally
        {
            await host.ScalarAsync<int>("with u as (update staff_users set time_zone = null where user_name = $1 returning 1) select count(*)::int from u", host.Demo["admin"].UserName);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task ExamSession_EnteredAsLocalTime_IsStoredAsThatInstant_AndShownBackInTheViewersZone()
    {
        host.Clock.Set(ConsoleHost.BusinessHours);
        var page = await host.SignInAsync("admin");
        try
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Helvetia Exams AG" }).ClickAsync();
            await Expect(page.Locator("#session-zone")).ToContainTextAsync("America/New_York");
            var day = 3 + int.Parse(ConsoleHost.Unique(2), System.Globalization.CultureInfo.InvariantCulture) % 20; // a day of August no other run used
            await page.GetByLabel("Start", new() { Exact = true }).FillAsync($"2026-08-{day:00}T09:00");
            await page.GetByLabel("End", new() { Exact = true }).FillAsync($"2026-08-{day:00}T11:30");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add exam session" }).ClickAsync();

            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Exam session added.");
            var start = Instant.FromUtc(2026, 8, day, 13, 0); // 09:00 EDT
            Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from exam_sessions where starts_at = $1 and ends_at = $2",
                start.ToDateTimeUtc(), (start + Duration.FromMinutes(150)).ToDateTimeUtc()));
            await Expect(page.Locator("section:has(#sessions-title)")).ToContainTextAsync($"{day} Aug 2026, 09:00 EDT (America/New_York)");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task PoliciesPage_ShowsEveryRate_ContractOverageIncluded_AndDurationsInWords()
    {
        var page = await host.SignInAsync("admin");
        try
        {
            await page.GotoAsync("/console/admin/policies");
            var corporate = page.Locator("section:has(#policy-constellix) tr", new() { HasText = "Corporate" });
            await Expect(corporate.Locator(".contract-rates")).ToContainTextAsync("contract overage:");
            await Expect(corporate.Locator(".contract-rates")).ToContainTextAsync("$");
            await Expect(corporate).ToContainTextAsync("up to 2 hours each");
            await Expect(page.Locator("section:has(#policy-constructor)")).ToContainTextAsync("15 minutes");
            await Expect(page.Locator("section:has(#policy-constellix) table")).Not.ToContainTextAsync("PT2H");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
