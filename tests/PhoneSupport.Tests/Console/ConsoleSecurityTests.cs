using System.Net;
using System.Net.Http.Headers;
using PhoneSupport.Features.Console;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Console;

/// <summary>The console's sign-in: hashed passwords, lockout kept in PostgreSQL, CSRF on every form, its cookie kept apart from the API keys.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class ConsoleSecurityTests(ServiceFixture fixture)
{
    [Fact]
    public async Task Root_SendsAnonymousVisitorsToTheSignInPage()
    {
        using var client = ConsoleClient.Create(fixture.Factory);

        var root = await client.GetAsync("/");
        var console = await client.GetAsync(root.Headers.Location!);

        Assert.Equal(HttpStatusCode.Redirect, console.StatusCode);
        Assert.StartsWith("/console/sign-in", console.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/console/sign-in")).StatusCode);
    }

    [Fact]
    public async Task FiveWrongPasswords_LockTheUser_EvenAgainstTheRightOne_AndTheCountIsInPostgres()
    {
        var (user, password) = await ConsoleClient.CreateUserAsync(fixture, StaffRoles.Finance);
        using var client = ConsoleClient.Create(fixture.Factory);

        for (var i = 1; i <= 4; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await ConsoleClient.SignInAsync(client, user, "wrong-" + i)).StatusCode);
            Assert.Equal(i, await fixture.ScalarAsync<int>("select failed_sign_ins from staff_users where user_name = $1", user));
        }
        var fifth = await ConsoleClient.SignInAsync(client, user, "wrong-5");
        // Locked now, but told no more than any failure (issue 16: no "locked until" only existing users would see).
        Assert.Contains(System.Net.WebUtility.HtmlEncode(PhoneSupport.Features.Console.Pages.SignInModel.Failed), await fifth.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(await fixture.ScalarAsync<DateTime?>("select locked_until from staff_users where user_name = $1", user));

        // A second instance (another host on the same database) sees the same lock.
        await using var other = fixture.CreateFactory("Development", fixture.ConnectionString);
        using var elsewhere = ConsoleClient.Create(other);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ConsoleClient.SignInAsync(elsewhere, user, password)).StatusCode);

        fixture.Clock.Advance(NodaTime.Duration.FromMinutes(16));
        try
        {
            var signedIn = await ConsoleClient.SignInAsync(client, user, password);
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            Assert.Equal(0, await fixture.ScalarAsync<int>("select failed_sign_ins from staff_users where user_name = $1", user));
        }
        finally
        {
            fixture.Clock.Advance(-NodaTime.Duration.FromMinutes(16));
        }
    }

    [Fact]
    public async Task ParallelWrongPasswords_AreAllCounted()
    {
        var (user, _) = await ConsoleClient.CreateUserAsync(fixture, StaffRoles.Finance);
        var clients = Enumerable.Range(0, 4).Select(_ => ConsoleClient.Create(fixture.Factory)).ToList();

        await Task.WhenAll(clients.Select(c => ConsoleClient.SignInAsync(c, user, "nope")));

        Assert.Equal(4, await fixture.ScalarAsync<int>("select failed_sign_ins from staff_users where user_name = $1", user));
        clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Passwords_AreStoredAsPasswordHasherHashes()
    {
        var (user, password) = await ConsoleClient.CreateUserAsync(fixture, StaffRoles.Admin);

        var hash = await fixture.ScalarAsync<string>("select password_hash from staff_users where user_name = $1", user);

        Assert.DoesNotContain(password, hash, StringComparison.Ordinal);
        Assert.Equal(0x01, Convert.FromBase64String(hash!)[0]); // PasswordHasher's v3 format marker (PBKDF2)
    }

    [Fact]
    public async Task AFormPostedWithoutItsAntiforgeryToken_IsRefused()
    {
        var (user, password) = await ConsoleClient.CreateUserAsync(fixture, StaffRoles.Admin);
        using var client = ConsoleClient.Create(fixture.Factory);
        await ConsoleClient.SignInAsync(client, user, password);

        var forged = await client.PostAsync("/console/admin/api-keys", new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.Name"] = "csrf", ["Input.Role"] = "admin" }));
        var signInForged = await ConsoleClient.Create(fixture.Factory).PostAsync("/console/sign-in",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["UserName"] = user, ["Password"] = password }));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, signInForged.StatusCode);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("select count(*) from api_keys where name = 'csrf'"));
    }

    [Fact]
    public async Task TheConsoleCookie_OpensNoApiEndpoint_AndApiKeysOpenNoConsolePage()
    {
        var (user, password) = await ConsoleClient.CreateUserAsync(fixture, StaffRoles.Admin);
        using var client = ConsoleClient.Create(fixture.Factory);
        await ConsoleClient.SignInAsync(client, user, password);
        var home = await client.GetAsync("/console/admin");
        Assert.True(home.StatusCode == HttpStatusCode.OK, $"{home.StatusCode} {home.Headers.Location}");

        var api = await client.GetAsync("/api/accounts");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);

        await using var admin = new AdminApi(fixture);
        Assert.Equal(HttpStatusCode.OK, (await admin.Admin.GetAsync("/api/accounts")).StatusCode);
        await using var keyed = fixture.CreateFactory("Development", fixture.ConnectionString,
            new Dictionary<string, string?> { ["PhoneSupport:BootstrapAdminApiKey"] = AdminApi.BootstrapKey });
        using var machine = ConsoleClient.Create(keyed);
        machine.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminApi.BootstrapKey);
        Assert.Equal(HttpStatusCode.OK, (await machine.GetAsync("/api/accounts")).StatusCode);
        var page = await machine.GetAsync("/console/admin");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/console/sign-in", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutsideDevelopment_TheCookiesAreSecureHostCookies_AndPlainHttpIsRefused()
    {
        await using var production = fixture.CreateFactory("Production", fixture.ConnectionString);
        using var tls = production.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri("https://localhost"),
            AllowAutoRedirect = false,
        });

        var page = await tls.GetAsync("/console/sign-in");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var cookie = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-phonesupport-csrf=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        // The same page over plain HTTP (no proxy saying otherwise): refused as such, not a 500, and no cookie handed out.
        using var plain = production.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri("http://localhost"),
            AllowAutoRedirect = false,
        });
        foreach (var response in new[] { await plain.GetAsync("/console/sign-in"), await plain.PostAsync("/console/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["UserName"] = "x", ["Password"] = "y" })) })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("The console needs HTTPS", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }
    }
}
