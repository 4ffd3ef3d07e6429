using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Hardening;

[Collection(ServiceHostCollection.Name)]
public sealed class RequestLimitTests(ServiceFixture fixture)
{
    [Fact]
    public async Task TwilioForm_Over64KB_Is413_AndASmallOneIsAnswered()
    {
        var twilio = new TwilioWebhooks(fixture.Factory.CreateClient());
        var form = TwilioWebhooks.IncomingCall(TwilioWebhooks.NewCallSid());
        form["Padding"] = new string('x', 65 * 1024);

        using var big = await twilio.PostAsync("/twilio/voice", form);
        var small = await twilio.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(TwilioWebhooks.NewCallSid()));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Equal("application/problem+json", big.Content.Headers.ContentType?.MediaType);
        Assert.Contains("65536 bytes", await big.Content.ReadAsStringAsync());
        Assert.NotEmpty(small.Descendants("Gather"));
    }

    [Fact]
    public async Task ApiJson_Over1MB_Is413_WithoutReadingIt()
    {
        const string key = "size-limit-admin-key-0123456789abcdef";
        await using var factory = fixture.CreateFactory("Development", fixture.ConnectionString, new Dictionary<string, string?> { ["PhoneSupport:BootstrapAdminApiKey"] = key });
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var json = "{\"name\":\"" + new string('a', 1024 * 1024) + "\"}";

        using var response = await client.PostAsync("/api/accounts", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task StripeWebhook_TakesBodiesUpTo1MB_NotMore()
    {
        using var client = fixture.Factory.CreateClient();

        using var large = await client.PostAsync("/stripe/webhook", new StringContent(new string(' ', 512 * 1024), Encoding.UTF8, "application/json"));
        using var tooLarge = await client.PostAsync("/stripe/webhook", new StringContent(new string(' ', 1024 * 1024 + 1), Encoding.UTF8, "application/json"));

        Assert.NotEqual(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
    }

    [Theory]
    [InlineData("/twilio/voice", 64 * 1024)]
    [InlineData("/twilio/voice/step", 64 * 1024)]
    [InlineData("/stripe/webhook", 1024 * 1024)]
    [InlineData("/api/accounts", 1024 * 1024)]
    public void Limits_ByPath(string path, long expected) => Assert.Equal(expected, new RequestLimitOptions().For(path));
}

/// <summary>The security headers, on the real host (JSON answers) and on an HTML page through the same middleware.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class SecurityHeadersTests(ServiceFixture fixture)
{
    [Fact]
    public async Task JsonAnswer_OutsideDevelopment_HasNosniffAndHsts_ButNoPagePolicy()
    {
        await using var factory = fixture.CreateFactory("Production", fixture.ConnectionString);
        using var response = await factory.CreateClient().GetAsync("/healthz");

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(SecurityHeadersMiddleware.StrictTransportSecurity, Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
        Assert.False(response.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public async Task InDevelopment_NoHsts()
    {
        using var response = await fixture.Factory.CreateClient().GetAsync("/healthz");

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Theory]
    [InlineData("Production", true)]
    [InlineData("Development", false)]
    public async Task HtmlPage_GetsCspFrameAncestorsReferrerPolicyAndNosniff(string environment, bool hsts)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseTestServer();
        await using var app = builder.Build();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.MapGet("/page", () => Results.Content("<!doctype html><title>console</title>", "text/html; charset=utf-8"));
        app.MapGet("/own", (HttpContext c) =>
        {
            c.Response.Headers.ContentSecurityPolicy = "default-src 'none'";
            return Results.Content("<p>own</p>", "text/html");
        });
        await app.StartAsync();
        using var client = app.GetTestClient();

        using var page = await client.GetAsync("/page");
        using var own = await client.GetAsync("/own");

        var csp = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(SecurityHeadersMiddleware.ReferrerPolicy, Assert.Single(page.Headers.GetValues("Referrer-Policy")));
        Assert.Equal(hsts, page.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal("default-src 'none'", Assert.Single(own.Headers.GetValues("Content-Security-Policy")));
    }
}
