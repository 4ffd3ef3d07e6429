using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

[Collection(ServiceHostCollection.Name)]
public sealed class VoiceWebhookTests(ServiceFixture fixture)
{
    private readonly TwilioWebhooks _twilio = new(fixture.Factory.CreateClient());

    [Fact]
    public async Task IncomingCall_SignedLikeTwilio_AnswersTheMainMenuAndStoresTheCall()
    {
        var sid = TwilioWebhooks.NewCallSid();

        var twiml = await _twilio.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(sid));

        var gather = Assert.Single(twiml.Descendants("Gather"));
        Assert.Equal("1", gather.Attribute("numDigits")?.Value);
        Assert.Contains("For dedicated contract support, press 2", TwilioWebhooks.Spoken(twiml));
        Assert.Equal("Redirect", gather.ElementsAfterSelf().Single().Name.LocalName);
        Assert.Equal("main-menu", await fixture.ScalarAsync<string>("select step from calls where call_sid = $1", sid));
        Assert.Equal(2L, await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1", sid));
    }

    [Fact]
    public async Task IncomingCall_RecordedInOneStatement_ReadsBackThroughEfCore_WithItsEventsInOrder_AndCountsTheCaller()
    {
        var sid = TwilioWebhooks.NewCallSid();
        var from = $"+1555{Random.Shared.Next(1_000_000, 9_999_999)}";
        var key = Features.Hardening.PostgresRateLimiter.CallerKey(from);

        await _twilio.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(sid, from: from));

        using var scope = fixture.Factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Data.PhoneSupportDb>();
        var call = await db.Calls.AsNoTracking().SingleAsync(c => c.CallSid == sid);
        Assert.Equal(("constellix", "+17038803095", from, "main-menu", 0, "in-progress", 1), (call.Provider, call.ToNumber, call.FromNumber, call.Step, call.Attempt, call.TwilioStatus, call.Version));
        Assert.Equal(call.StartedAt, call.UpdatedAt);
        Assert.Null(call.EndedAt);
        Assert.Equal("constellix", call.ToSession().FlowId);
        var events = await db.CallEvents.AsNoTracking().Where(e => e.CallSid == sid).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal("webhook", events[0].Kind);
        Assert.Equal("incoming", System.Text.Json.JsonDocument.Parse(events[0].Data).RootElement.GetProperty("hook").GetString());
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(call.StartedAt, e.At));
        Assert.Equal(1, await fixture.ScalarAsync<int>("select sum(hits)::integer from rate_limit_counters where scope = 'caller' and key = $1", key));

        // Twilio's retry: answered like the first, nothing recorded twice, the retry counted.
        await _twilio.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(sid, from: from));
        Assert.Equal(2L, await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1", sid));
        Assert.Equal(2, await fixture.ScalarAsync<int>("select sum(hits)::integer from rate_limit_counters where scope = 'caller' and key = $1", key));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bm90IHRoZSByaWdodCBzaWduYXR1cmU=")]
    public async Task IncomingCall_WithMissingOrWrongSignature_Is403AndRecordsNothing(string signature)
    {
        var sid = TwilioWebhooks.NewCallSid();

        using var response = await _twilio.PostAsync("/twilio/voice", TwilioWebhooks.IncomingCall(sid), signature);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("select count(*) from calls where call_sid = $1", sid));
    }

    [Fact]
    public async Task Webhook_SignedWithAnotherAuthToken_Is403()
    {
        var other = new TwilioWebhooks(fixture.Factory.CreateClient(), "some-other-accounts-token");

        using var response = await other.PostAsync("/twilio/voice/status", TwilioWebhooks.IncomingCall(TwilioWebhooks.NewCallSid()));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task IncomingCall_ToAnUnknownNumber_ApologisesAndHangsUp()
    {
        var twiml = await _twilio.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(TwilioWebhooks.NewCallSid(), to: "+15005550006"));

        Assert.Contains("not in service", TwilioWebhooks.Spoken(twiml));
        Assert.Single(twiml.Descendants("Hangup"));
    }

    [Fact]
    public async Task DuplicateAnswer_ToTheSameQuestion_AdvancesTheCallOnlyOnce()
    {
        var sid = TwilioWebhooks.NewCallSid();
        var menu = await _twilio.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(sid));
        var answer = TwilioWebhooks.IncomingCall(sid);
        answer["Digits"] = "2";

        var first = await _twilio.PostTwimlAsync(TwilioWebhooks.ActionOf(menu), answer);
        var events = await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1", sid);
        var second = await _twilio.PostTwimlAsync(TwilioWebhooks.ActionOf(menu), answer);

        Assert.Equal(first.ToString(), second.ToString());
        Assert.Contains("enter your contract number", TwilioWebhooks.Spoken(second));
        Assert.Equal(events, await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1", sid));
        Assert.Equal(2, await fixture.ScalarAsync<int>("select sequence from calls where call_sid = $1", sid));
    }

    [Fact]
    public async Task IncomingCall_RetriedByTwilio_CreatesOneCall()
    {
        var sid = TwilioWebhooks.NewCallSid();

        var first = await _twilio.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(sid));
        var again = await _twilio.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(sid));

        Assert.Equal(first.ToString(), again.ToString());
        Assert.Equal(1, await fixture.ScalarAsync<int>("select sequence from calls where call_sid = $1", sid));
    }

    [Fact]
    public async Task StatusCallbacks_DuplicatedAndOutOfOrder_EndTheCallOnce()
    {
        var sid = TwilioWebhooks.NewCallSid();
        await _twilio.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(sid));
        var completed = TwilioWebhooks.IncomingCall(sid);
        completed["CallStatus"] = "completed";
        completed["CallDuration"] = "47";
        completed["SequenceNumber"] = "2";
        var lateRinging = TwilioWebhooks.IncomingCall(sid);
        lateRinging["SequenceNumber"] = "0";

        await _twilio.PostTwimlAsync("/twilio/voice/status", completed);
        await _twilio.PostTwimlAsync("/twilio/voice/status", completed);
        await _twilio.PostTwimlAsync("/twilio/voice/status", lateRinging);

        Assert.Equal("completed", await fixture.ScalarAsync<string>("select twilio_status from calls where call_sid = $1", sid));
        Assert.Equal(47, await fixture.ScalarAsync<int>("select duration_seconds from calls where call_sid = $1", sid));
        Assert.Equal("Ended", await fixture.ScalarAsync<string>("select phase from calls where call_sid = $1", sid));
        Assert.Equal(2L, await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1 and kind = 'status'", sid));
    }
}
