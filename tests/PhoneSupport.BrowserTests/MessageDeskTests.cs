using Deque.AxeCore.Playwright;
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
            var axe = await page.RunAxe();
            Assert.True(axe.Violations.Length == 0, string.Join(Environment.NewLine, axe.Violations.Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Html))})")));
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
}
