using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Features.Entitlements;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Hardening;

/// <summary>
/// The identification lockout under load: many calls from one number answer a wrong contract number at the same
/// moment, through two instances on the shared database. The policy (constellix: 5 failures within an hour lock
/// the number for an hour) must hold exactly: 5 failures recorded and heard as "not found", every other answer
/// refused as locked out, and the lock lifts exactly an hour after the fifth failure.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class LockoutLoadTests(ServiceFixture fixture) : IDisposable
{
    private const int Calls = 24;
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose() => fixture.Clock.Set(_restore);

    [Fact]
    public async Task ParallelWrongEntries_FromOneNumber_OnTwoInstances_LockAfterExactlyThePolicysFailures()
    {
        await using var second = fixture.CreateFactory("Development", fixture.ConnectionString);
        var hosts = new[] { new TwilioWebhooks(fixture.Factory.CreateClient()), new TwilioWebhooks(second.CreateClient()) };
        var from = "+1555" + TestAccounts.UniqueDigits(7);

        // Every call reaches the contract-number question first.
        var calls = new List<(string Sid, string Action, TwilioWebhooks Host)>();
        for (var i = 0; i < Calls; i++)
        {
            var sid = TwilioWebhooks.NewCallSid();
            var host = hosts[i % 2];
            var menu = await host.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(sid, from: from));
            var press2 = TwilioWebhooks.IncomingCall(sid, from: from);
            press2["Digits"] = "2";
            var question = await host.PostTwimlAsync(TwilioWebhooks.ActionOf(menu), press2);
            Assert.Contains("contract number", TwilioWebhooks.Spoken(question));
            calls.Add((sid, TwilioWebhooks.ActionOf(question), host));
        }

        var answers = await Task.WhenAll(calls.Select(c => Task.Run(async () =>
        {
            var wrong = TwilioWebhooks.IncomingCall(c.Sid, from: from);
            wrong["Digits"] = "99999999";
            wrong["FinishedOnKey"] = "#";
            return TwilioWebhooks.Spoken(await c.Host.PostTwimlAsync(c.Action, wrong));
        })));

        var notFound = answers.Count(a => a.Contains("couldn't find that contract number", StringComparison.Ordinal));
        var lockedOut = answers.Count(a => a.Contains("we can't take account or contract numbers from this phone", StringComparison.Ordinal));
        Assert.Equal(5, notFound);
        Assert.Equal(Calls - 5, lockedOut);
        Assert.Equal(5L, await fixture.ScalarAsync<long>("select count(*) from identification_failures where caller_number = $1", from));
        var sids = calls.Select(c => c.Sid).ToArray();
        Assert.Equal(5L, await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = any($1) and kind = 'identify' and data->>'result' = 'notFound'", (object)sids));
        Assert.Equal((long)(Calls - 5), await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = any($1) and kind = 'identify' and data->>'result' = 'lockedOut'", (object)sids));

        // Locked for exactly the policy's hour from the fifth failure.
        var fifth = Instant.FromDateTimeUtc(DateTime.SpecifyKind(
            (await fixture.ScalarAsync<DateTime>("select max(at) from identification_failures where caller_number = $1", from)), DateTimeKind.Utc));
        using var scope = fixture.Factory.Services.CreateScope();
        var lockout = scope.ServiceProvider.GetRequiredService<IdentificationLockout>();
        Assert.True(await lockout.IsLockedAsync("constellix", from, fifth + Duration.FromHours(1) - Duration.FromSeconds(1), default));
        Assert.False(await lockout.IsLockedAsync("constellix", from, fifth + Duration.FromHours(1), default));
        Assert.False(await lockout.IsLockedAsync("constellix", "+1555" + TestAccounts.UniqueDigits(7), fifth, default));
    }
}
