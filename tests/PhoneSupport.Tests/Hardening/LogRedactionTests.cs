using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Hardening;

/// <summary>Phone numbers never reach the logs whole, whatever the level; every webhook line names its call.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed partial class LogRedactionTests(ServiceFixture fixture)
{
    [GeneratedRegex(@"\+[1-9][0-9]{6,14}")]
    private static partial Regex E164();

    [Fact]
    public async Task WholeCall_AtDebugLevel_LogsNoPhoneNumberUnredacted_AndEveryWebhookLineCarriesTheCallSid()
    {
        var capture = new CapturingLoggerProvider();
        await using var factory = fixture.CreateFactory("Production", fixture.ConnectionString).WithWebHostBuilder(web =>
            web.ConfigureLogging(logging => logging.AddProvider(capture).SetMinimumLevel(LogLevel.Debug)));
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate", new NodaTime.LocalDate(2026, 1, 15));
        const string from = "+15554443322";
        var driver = new CallDriver(factory.CreateClient(), new CallDriverOptions
        {
            VoiceUrl = ServiceFixture.PublicBaseUrl + "/twilio/voice",
            AuthToken = ServiceFixture.AuthToken,
            AccountSid = ServiceFixture.AccountSid,
            From = from,
            To = "+17038803095",
            // A wrong contract number first (logged as a failed identification), then the right one.
            Caller = ScriptedCaller.Keys("2", "99999999#", account.ContractNumber + "#", "1"),
            Technician = new TechnicianScript(),
            StartTime = fixture.Clock.GetCurrentInstant().ToDateTimeOffset(),
        });

        var result = await driver.RunAsync();

        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Transcript));
        var entries = capture.Entries.ToList();
        Assert.NotEmpty(entries);
        // Neither any E.164 number nor the caller's digits without the plus sign.
        var leaks = entries.Where(e => E164().IsMatch(e.Text) || e.Text.Contains(from[2..], StringComparison.Ordinal)).Select(e => e.Text).ToList();
        Assert.Empty(leaks);
        var webhookLines = entries.Where(e => e.Scope.Any(s => s.Key == "Route" && s.Value is string r && r.StartsWith("/twilio", StringComparison.Ordinal))).ToList();
        Assert.NotEmpty(webhookLines);
        // Each line names the call its webhook was about (the caller's leg, or a technician's leg).
        Assert.All(webhookLines, e => Assert.Contains(e.Scope, s => s.Key == "CallSid" && s.Value is string sid && sid.StartsWith("CA", StringComparison.Ordinal)));
        Assert.Contains(webhookLines, e => e.Scope.Any(s => s.Key == "CallSid" && (string?)s.Value == result.CallSid));
    }
}
