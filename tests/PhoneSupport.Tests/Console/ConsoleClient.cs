using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using PhoneSupport.Features.Console;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Console;

/// <summary>The console over HTTP (no browser): staff users made through the admin handler, forms posted with their antiforgery token.</summary>
public static partial class ConsoleClient
{
    public static HttpClient Create(WebApplicationFactory<Program> factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>A new staff user of <paramref name="role"/> (a technician user is linked to <paramref name="technicianId"/>) and their password.</summary>
    public static async Task<(string UserName, string Password)> CreateUserAsync(ServiceFixture fixture, string role, Guid? technicianId = null)
    {
        using var scope = fixture.Factory.Services.CreateScope();
        var handler = scope.ServiceProvider.GetRequiredService<StaffUsersHandler>();
        var admin = StaffSignIn.Principal(new StaffUser(Guid.NewGuid(), "test.admin", "Test Admin", StaffRoles.Admin, null, "", fixture.Clock.GetCurrentInstant(), "tests"));
        var userName = $"{role}.{TestAccounts.UniqueDigits(8)}";
        var result = await handler.CreateAsync(new CreateStaffUserRequest(userName, "Test " + role, role, technicianId?.ToString()), admin, default);
        var created = Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.Created<StaffUserResource>>(result.Result);
        return (userName, created.Value!.Password!);
    }

    /// <summary>The page's antiforgery token (the hidden field every console form carries).</summary>
    public static async Task<string> TokenAsync(HttpClient client, string path)
    {
        var html = await client.GetStringAsync(path);
        return Token().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new InvalidOperationException($"No antiforgery token on {path}.");
    }

    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, Dictionary<string, string> fields, string? tokenFrom = null)
    {
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = await TokenAsync(client, tokenFrom ?? path) };
        return await client.PostAsync(path, new FormUrlEncodedContent(form));
    }

    public static Task<HttpResponseMessage> SignInAsync(HttpClient client, string userName, string password) =>
        PostFormAsync(client, "/console/sign-in", new() { ["UserName"] = userName, ["Password"] = password });

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
