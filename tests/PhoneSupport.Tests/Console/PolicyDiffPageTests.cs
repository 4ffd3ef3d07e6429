using System.Net;
using PhoneSupport.Features.Console;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Console;

/// <summary>The console's policy diff page over HTTP: admins only, antiforgery on, the API's answers shown in the page.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class PolicyDiffPageTests(ServiceFixture fixture)
{
    private const string Page = "/console/admin/policies/diff";

    private static string Shipped(string provider) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-flows", $"{provider}.policy.yaml"));

    private async Task<HttpClient> SignedInAsync(string role)
    {
        var client = ConsoleClient.Create(fixture.Factory);
        var (user, password) = await ConsoleClient.CreateUserAsync(fixture, role);
        Assert.Equal(HttpStatusCode.Redirect, (await ConsoleClient.SignInAsync(client, user, password)).StatusCode);
        return client;
    }

    [Fact]
    public async Task AFinanceUser_IsSentToForbidden_AndAFormWithoutItsToken_IsRefused()
    {
        using var finance = await SignedInAsync(StaffRoles.Finance);
        using var admin = await SignedInAsync(StaffRoles.Admin);

        var forbidden = await finance.GetAsync(Page);
        var forged = await admin.PostAsync(Page, new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.Provider"] = "constellix", ["Input.After"] = "x" }));

        Assert.Equal(HttpStatusCode.Redirect, forbidden.StatusCode);
        Assert.StartsWith("/console/forbidden", forbidden.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task TheBeforeText_StartsAsTheCurrentPolicy_AnEmptyBeforeMeansIt_AndErrorsComeBackAs422WithTheirLines()
    {
        using var admin = await SignedInAsync(StaffRoles.Admin);
        var text = Shipped("constructor");

        var form = await admin.GetStringAsync(Page + "?provider=constructor");
        var changed = await ConsoleClient.PostFormAsync(admin, Page, new()
        {
            ["Input.Provider"] = "constructor", ["Input.Before"] = "", ["Input.After"] = text.Replace("weekdays: \"08:00-20:00\"", "weekdays: \"08:00-19:00\"", StringComparison.Ordinal),
        });
        var broken = await ConsoleClient.PostFormAsync(admin, Page, new() { ["Input.Provider"] = "constructor", ["Input.Before"] = "", ["Input.After"] = "provider: constructor\nzone: Mars/Olympus\n" });
        var html = await changed.Content.ReadAsStringAsync();
        var errors = await broken.Content.ReadAsStringAsync();

        Assert.Contains(System.Text.Encodings.Web.HtmlEncoder.Default.Encode("version: \"2026.11.1\""), form, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Contains("data-path=\"coverage.friday\"", html, StringComparison.Ordinal);
        Assert.Contains("5 changes from constructor version 2026.11.1 to version 2026.11.1", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, broken.StatusCode);
        Assert.Contains("id=\"Input_After-error\"", errors, StringComparison.Ordinal);
        Assert.Contains(System.Text.Encodings.Web.HtmlEncoder.Default.Encode("line 2: 'Mars/Olympus' is not an IANA time zone"), errors, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"policy-diff\"", errors, StringComparison.Ordinal);
    }
}
