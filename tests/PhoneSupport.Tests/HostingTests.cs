using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

[Collection(ServiceHostCollection.Name)]
public sealed class HostingTests(ServiceFixture fixture)
{
    [Fact]
    public async Task Healthz_And_Readyz_AreOkWhenTheDatabaseIsMigrated()
    {
        using var client = fixture.Factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("ready", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_WhenTheDatabaseGoesAway_Is503()
    {
        var connection = await fixture.Server.CreateDatabaseAsync("phonesupport_readyz");
        await using var factory = fixture.CreateFactory("Production", connection);
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

        await fixture.Server.DropDatabaseAsync("phonesupport_readyz");
        var response = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void Startup_WithAnUnreachableDatabase_FailsInsteadOfServing()
    {
        var unreachable = "Host=127.0.0.1;Port=1;Username=postgres;Database=nowhere;Timeout=2";
        using var factory = fixture.CreateFactory("Production", unreachable);

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("127.0.0.1", error.ToString());
    }

    [Theory]
    [InlineData("Twilio:AuthToken", "Twilio:AuthToken is required")]
    [InlineData("Twilio:AccountSid", "Twilio:AccountSid is required")]
    [InlineData("PhoneSupport:PublicBaseUrl", "PhoneSupport:PublicBaseUrl is required")]
    [InlineData("Stripe:SecretKey", "Stripe:SecretKey is required")]
    [InlineData("Stripe:WebhookSecret", "Stripe:WebhookSecret is required")]
    public void Startup_WithoutARequiredKey_FailsNamingTheKey(string key, string message)
    {
        using var factory = fixture.CreateFactory("Production", fixture.ConnectionString, new Dictionary<string, string?> { [key] = "" });

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Startup_WithABrokenFlow_FailsWithFileLineAndReason()
    {
        var folder = Directory.CreateTempSubdirectory("flows-").FullName;
        File.WriteAllText(Path.Combine(folder, "broken.flow.yaml"), """
            flow: broken
            provider: constellix
            numbers: ["+15550001111"]
            languages:
              en-US: { voice: Polly.Joanna }
            start: menu
            steps:
              menu:
                type: menu
                say: "Press 1."
                options:
                  "1": nowhere
                onFail: bye
              bye:
                type: goodbye
                say: "Bye."
            """);
        using var factory = fixture.CreateFactory("Production", fixture.ConnectionString, new Dictionary<string, string?> { ["PhoneSupport:FlowsPath"] = folder });

        var error = Assert.Throws<InvalidFlowException>(() => factory.CreateClient());

        Assert.Contains("broken.flow.yaml:12: step 'menu' leads to 'nowhere'", error.Message);
    }

    [Fact]
    public async Task DevClock_AdvancesInDevelopment()
    {
        using var client = fixture.Factory.CreateClient();
        var before = await client.GetFromJsonAsync<ClockAnswer>("/dev/clock");

        var response = await client.PostAsJsonAsync("/dev/clock/advance", new { by = "PT2H" });
        var after = await response.Content.ReadFromJsonAsync<ClockAnswer>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(DateTimeOffset.Parse(after!.Now) - DateTimeOffset.Parse(before!.Now) >= TimeSpan.FromHours(2));
    }

    [Fact]
    public async Task DevClock_WithABadDuration_IsAValidationProblem()
    {
        using var client = fixture.Factory.CreateClient();

        var response = await client.PostAsJsonAsync("/dev/clock/advance", new { by = "two hours" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"by\"", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/dev/clock/advance")]
    [InlineData("/dev/demo-data")]
    public async Task DevelopmentEndpoints_OutsideDevelopment_Are404(string path)
    {
        await using var factory = fixture.CreateFactory("Production", fixture.ConnectionString);
        using var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync(path, new { by = "PT1H" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private sealed record ClockAnswer(string Now);
}
