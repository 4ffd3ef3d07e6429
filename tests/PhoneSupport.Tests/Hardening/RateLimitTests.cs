using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Hardening;

/// <summary>Rate limits kept in PostgreSQL: each test gets a database of its own, so no other test's hits count.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class RateLimitTests(ServiceFixture fixture)
{
    // Production refuses a weak or sample bootstrap key at start-up: a fresh random one per run.
    private static readonly string AdminKey = "psk_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    private async Task<WebApplicationFactory<Program>> HostAsync(string database, int callerPerMinute = 0, int apiKeyPerMinute = 0)
    {
        var connection = await fixture.Server.CreateDatabaseAsync(database + "_" + Guid.NewGuid().ToString("N")[..8]);
        return fixture.CreateFactory("Production", connection, new Dictionary<string, string?>
        {
            ["PhoneSupport:RateLimits:CallerPerMinute"] = callerPerMinute.ToString(),
            ["PhoneSupport:RateLimits:ApiKeyPerMinute"] = apiKeyPerMinute.ToString(),
            ["PhoneSupport:BootstrapAdminApiKey"] = AdminKey,
        });
    }

    [Fact]
    public async Task Caller_OverTheLimit_HearsTooManyCallsAndHangsUp_WithValidTwimlAnd200_OnEveryInstance()
    {
        await using var first = await HostAsync("ratelimit_caller", callerPerMinute: 3);
        await using var second = first.WithWebHostBuilder(_ => { });
        var hosts = new[] { new TwilioWebhooks(first.CreateClient()), new TwilioWebhooks(second.CreateClient()) };
        const string from = "+15557770001";

        var answers = new List<(HttpStatusCode Status, string Body, string Sid)>();
        for (var i = 0; i < 5; i++)
        {
            var sid = TwilioWebhooks.NewCallSid();
            using var response = await hosts[i % 2].PostAsync("/twilio/voice", TwilioWebhooks.IncomingCall(sid, from: from));
            answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync(), sid));
            Assert.StartsWith("application/xml", response.Content.Headers.ContentType?.ToString());
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(answers.Take(3), a => Assert.Contains("<Gather", a.Body));
        Assert.All(answers.Skip(3), a =>
        {
            var twiml = System.Xml.Linq.XDocument.Parse(a.Body);
            Assert.Equal(CallerRateLimitFilter.TooManyCalls, TwilioWebhooks.Spoken(twiml));
            Assert.Equal("Hangup", twiml.Root!.Elements().Last().Name.LocalName);
        });
        // Another number is not affected.
        Assert.Contains("<Gather", await (await hosts[0].PostAsync("/twilio/voice", TwilioWebhooks.IncomingCall(TwilioWebhooks.NewCallSid(), from: "+15557770002"))).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Caller_ForgedRequests_DoNotCountAgainstTheNumber()
    {
        await using var host = await HostAsync("ratelimit_forged", callerPerMinute: 1);
        var twilio = new TwilioWebhooks(host.CreateClient());
        const string from = "+15557770003";

        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Forbidden, (await twilio.PostAsync("/twilio/voice", TwilioWebhooks.IncomingCall(TwilioWebhooks.NewCallSid(), from: from), signature: "Zm9yZ2Vk")).StatusCode);
        var twiml = await twilio.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(TwilioWebhooks.NewCallSid(), from: from));

        Assert.Contains("press 2", TwilioWebhooks.Spoken(twiml));
    }

    [Fact]
    public async Task ApiKey_OverTheLimit_Is429ProblemWithRetryAfter_AndOtherKeysGoOn()
    {
        await using var host = await HostAsync("ratelimit_api", apiKeyPerMinute: 3);
        using var admin = host.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);

        var created = await admin.PostAsJsonAsync("/api/api-keys", new { name = "second key", role = "admin" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var secondKey = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["key"]!;
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/policies")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/policies")).StatusCode);
        var limited = await admin.GetAsync("/api/policies");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        var seconds = int.Parse(Assert.Single(limited.Headers.GetValues("Retry-After")));
        Assert.InRange(seconds, 1, 60);
        Assert.Contains("3 requests per minute", await limited.Content.ReadAsStringAsync());

        using var other = host.CreateClient();
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secondKey);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/policies")).StatusCode);
        // Unauthenticated requests are refused before counting: still 401, not 429.
        using var anonymous = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/policies")).StatusCode);
    }

    [Fact]
    public async Task Limiter_ParallelHits_AdmitExactlyTheLimit_ThenTheNextWindowStartsAfresh_AndOldRowsAreCleanedUp()
    {
        await using var host = await HostAsync("ratelimit_limiter");
        // An hour before the host's clock, 10 s into its minute.
        var hourAgo = fixture.Clock.GetUtcNow().AddHours(-1);
        var now = new DateTimeOffset(hourAgo.Year, hourAgo.Month, hourAgo.Day, hourAgo.Hour, hourAgo.Minute, 10, TimeSpan.Zero);
        _ = host.Services; // start the host (and migrate) once, before the parallel scopes

        var decisions = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(async () =>
        {
            using var scope = host.Services.CreateScope();
            return await scope.ServiceProvider.GetRequiredService<PostgresRateLimiter>().HitAsync("test", "k", 10, now, default);
        })));

        Assert.Equal(10, decisions.Count(d => d.Allowed));
        Assert.Equal(Enumerable.Range(1, 40), decisions.Select(d => d.Hits).Order());
        Assert.All(decisions, d => Assert.Equal(TimeSpan.FromSeconds(50), d.RetryAfter));

        using var scope = host.Services.CreateScope();
        var limiter = scope.ServiceProvider.GetRequiredService<PostgresRateLimiter>();
        var sameWindow = await limiter.HitAsync("test", "k", 10, now.AddSeconds(49), default);
        var nextWindow = await limiter.HitAsync("test", "k", 10, now.AddSeconds(50), default);
        Assert.False(sameWindow.Allowed);
        Assert.True(nextWindow.Allowed);
        Assert.Equal(1, nextWindow.Hits);

        // Both windows are long over by the host's clock: the cleanup deletes them.
        Assert.Equal(2, await limiter.CleanupAsync(TimeSpan.FromMinutes(10), default));
    }
}
