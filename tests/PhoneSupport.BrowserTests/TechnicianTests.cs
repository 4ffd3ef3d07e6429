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
    }
}
