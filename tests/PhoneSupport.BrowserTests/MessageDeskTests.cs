using Microsoft.Playwright;
using NodaTime;
using static Microsoft.Playwright.Assertions;

namespace PhoneSupport.BrowserTests;

/// <summary>Messages are promises: a caller's after-hours message is on the technician's desk with a player link, and is marked handled there.</summary>
[Collection(ConsoleHostCollection.Name)]
public sealed class MessageDeskTests(ConsoleHost host)
{
    [Fact]
    public async Task AfterHoursSalesMessage_IsOnTheDeskWithItsPlayerLink_WithoutAxeViolations_AndIsMarkedHandled()
    {
        host.At(new LocalDateTime(2026, 12, 4, 19, 0)); // Friday evening: sales takes messages
        try
        {
            var from = "+1555" + ConsoleHost.Unique(7);
            var call = await host.CallAsync(from, "+17038803095", Emulators.Twilio.ScriptedCaller.Keys("1"));
            var id = await host.ScalarAsync<Guid>("select id from messages where call_sid = $1", call.CallSid);
            var url = await host.ScalarAsync<string>("select recording_url from messages where id = $1", id);

            var page = await host.SignInAsync("technician");
            var row = page.Locator($"#messages tr[data-message='{id}']");
            await Expect(row).ToContainTextAsync(from);
            await Expect(row).ToContainTextAsync("callback by");
            var player = row.GetByRole(AriaRole.Link, new() { Name = $"the message from {from}" });
            await Expect(player).ToHaveAttributeAsync("href", url!);
            await AxeAssert.NoViolationsAsync(page);
            await ConsoleHost.ScreenshotAsync(page, "08-technician-messages");

            await row.GetByRole(AriaRole.Button, new() { Name = $"Mark handled: the message from {from}" }).ClickAsync();

            await Expect(page.Locator("#desk-notice")).ToContainTextAsync("marked handled");
            await Expect(page.Locator($"#messages tr[data-message='{id}']")).ToHaveCountAsync(0);
            Assert.Equal("handled", await host.ScalarAsync<string>("select status from messages where id = $1", id));
            Assert.Equal("demo.technician", await host.ScalarAsync<string>("select handled_by from messages where id = $1", id));
            await page.Context.CloseAsync();
        }
        finally
        {
            host.Clock.Set(ConsoleHost.BusinessHours);
        }
    }

    [Fact]
    public async Task QuoteAskedForByPhone_IsPricedOnTheFinanceQuotesPage_WithoutAxeViolations_AndTextedOnce()
    {
        host.At(new LocalDateTime(2026, 12, 4, 20, 0)); // Friday night: SmallBusiness support is quoted first
        try
        {
            var account = await host.CreateAccountAsync("SmallBusiness");
            var call = await host.CallAsync(account.Phone, "+17038803095", Emulators.Twilio.ScriptedCaller.Keys("3", "1", "1"));
            var id = await host.ScalarAsync<Guid>("select id from quotes where requested_call_sid = $1", call.CallSid);

            var page = await host.SignInAsync("finance");
            await page.GetByRole(AriaRole.Link, new() { Name = "Quotes", Exact = true }).ClickAsync();
            var row = page.Locator($"#quote-list tr[data-quote='{id}']");
            await Expect(row).ToContainTextAsync(account.Phone);
            await Expect(row).ToContainTextAsync("requested");
            await AxeAssert.NoViolationsAsync(page);
            await ConsoleHost.ScreenshotAsync(page, "09-finance-quotes");

            await row.GetByLabel("Estimated minutes").FillAsync("45");
            await row.GetByRole(AriaRole.Button, new() { Name = "Price and text it" }).ClickAsync();

            await Expect(page.Locator("#quotes-notice")).ToContainTextAsync("texted to the caller");
            await Expect(page.Locator($"#quote-list tr[data-quote='{id}']")).ToContainTextAsync("sent");
            var sms = Assert.Single(host.Twilio.Messages, m => m.To == account.Phone);
            Assert.Contains("190.00 USD", sms.Body);
            await page.Context.CloseAsync();
        }
        finally
        {
            host.Clock.Set(ConsoleHost.BusinessHours);
        }
    }
}
