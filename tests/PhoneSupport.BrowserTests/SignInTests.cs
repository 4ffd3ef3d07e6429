using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PhoneSupport.BrowserTests;

/// <summary>Signing in, roles and their pages, sign-out, lockout, CSRF: in a real browser against the real host.</summary>
[Collection(ConsoleHostCollection.Name)]
public sealed class SignInTests(ConsoleHost host)
{
    [Fact]
    public async Task AnonymousVisitor_AtTheRoot_SeesTheSignInPage()
    {
        var page = await host.NewPageAsync();
        var response = await page.GotoAsync("/");

        Assert.Contains("/console/sign-in", page.Url, StringComparison.Ordinal);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        Assert.Equal("nosniff", await response!.HeaderValueAsync("x-content-type-options"));
        Assert.Contains("frame-ancestors 'none'", await response.HeaderValueAsync("content-security-policy") ?? "", StringComparison.Ordinal);
        await ConsoleHost.ScreenshotAsync(page, "01-sign-in");
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("technician", "/console/technician", "My desk")]
    [InlineData("finance", "/console/finance", "Charges")]
    [InlineData("admin", "/console/admin", "Admin")]
    public async Task EachRole_SignsIn_ToItsOwnHome(string role, string home, string heading)
    {
        var page = await host.SignInAsync(role);

        Assert.EndsWith(home, new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
        // Plain HTTP in Development: the same cookie without Secure and the __Host- prefix (HostingTests-style check of the
        // production settings is in the integration tests).
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "phonesupport-console");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("technician", "/console/finance")]
    [InlineData("technician", "/console/admin")]
    [InlineData("finance", "/console/admin")]
    [InlineData("finance", "/console/technician")]
    [InlineData("admin", "/console/technician")]
    public async Task ARole_CannotOpenAnotherRolesPage(string role, string other)
    {
        var page = await host.SignInAsync(role);

        var response = await page.GotoAsync(other);

        Assert.Equal((int)HttpStatusCode.Forbidden, response!.Status);
        Assert.Contains("/console/forbidden", page.Url, StringComparison.Ordinal);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not for your role" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignIn_WorksFromTheKeyboardAlone()
    {
        var page = await host.NewPageAsync();
        var (user, password) = host.Demo["admin"];
        await page.GotoAsync("/console/sign-in");

        // The user name field has the focus on arrival. Autofocus is applied once the page has
        // rendered, which can come after GotoAsync returns, so wait for it before typing.
        await Expect(page.GetByLabel("User name")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(user);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(password);
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Admin", Level = 1 })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        var page = await host.SignInAsync("finance");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Signed out" })).ToBeVisibleAsync();
        await page.GotoAsync("/console/finance");

        Assert.Contains("/console/sign-in", page.Url, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }
}
