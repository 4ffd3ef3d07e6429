using System.Net;
using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Desk;

/// <summary>Edits apply from the next call on: past calls keep what was decided, and a retired account identifies no caller.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class HistoryTests(ServiceFixture fixture) : IAsyncLifetime
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private readonly AdminApi _api = new(fixture);

    public Task InitializeAsync()
    {
        fixture.Clock.Set(NewYork.AtStrictly(new LocalDateTime(2026, 7, 9, 11, 0)).ToInstant());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private Task<CallResult> CallAsync(string from, params string[] keys) =>
        new CallDriver(fixture.Factory.CreateClient(), new CallDriverOptions
        {
            VoiceUrl = ServiceFixture.PublicBaseUrl + "/twilio/voice",
            AuthToken = ServiceFixture.AuthToken,
            AccountSid = ServiceFixture.AccountSid,
            From = from,
            To = "+17038803095",
            Caller = ScriptedCaller.Keys(keys),
        }).RunAsync();

    [Fact]
    public async Task MembershipChange_LeavesAPastCallsDecisionAndItsCallback_AndAppliesToTheNextCall()
    {
        await TestTechnicians.OfflineAllAsync(fixture);
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate");
        var call = await CallAsync(account.Phone, "3", "1", "1");
        var entitlement = await fixture.ScalarAsync<string>("select entitlement::text from calls where call_sid = $1", call.CallSid);
        var callbackId = await fixture.ScalarAsync<Guid>("select id from callbacks where call_sid = $1", call.CallSid);
        Assert.Contains("Corporate", entitlement);

        await AdminApi.ExpectAsync(await DeskApi.PatchAsync(_api.Admin, $"/api/accounts/{account.AccountId}", new { membership = "Business" }), HttpStatusCode.OK);

        Assert.Equal(entitlement, await fixture.ScalarAsync<string>("select entitlement::text from calls where call_sid = $1", call.CallSid));
        var callback = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/callbacks/{callbackId}"), HttpStatusCode.OK);
        Assert.Equal(1, (int)callback["priority"]!); // Corporate's, as promised
        var now = await AdminApi.ExpectAsync(await _api.Admin.GetAsync($"/api/accounts/{account.AccountId}"), HttpStatusCode.OK);
        Assert.Equal("purchaseRequired", (string)now["entitlementsNow"]!["decision"]!); // the next call is a Business one
        await fixture.ScalarAsync<int>("update callbacks set status = 'cancelled' where id = $1 returning 1", callbackId);
    }

    [Fact]
    public async Task RetiredAccount_ItsCallerIdIsNotRecognised_TheCallerHearsTheNonMemberPath()
    {
        var account = await TestAccounts.CreateAsync(fixture, "constellix", "Corporate");
        var before = await CallAsync(account.Phone, "3", "2");
        Assert.Contains(before.OfKind(TranscriptKind.Said), e => e.Text.Contains("Press 1 if you are calling for", StringComparison.Ordinal));

        await AdminApi.ExpectAsync(await DeskApi.PatchAsync(_api.Admin, $"/api/accounts/{account.AccountId}", new { active = false }), HttpStatusCode.OK);
        var after = await CallAsync(account.Phone, "3");

        Assert.DoesNotContain(after.OfKind(TranscriptKind.Said), e => e.Text.Contains("Press 1 if you are calling for", StringComparison.Ordinal));
        Assert.Contains(after.OfKind(TranscriptKind.Said), e => e.Text.Contains("Please say the user name", StringComparison.Ordinal));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from audit_log where entity = 'account' and entity_id = $1", account.AccountId.ToString()));
    }
}
