using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.Features.Queue;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>The priority queue: order in PostgreSQL, position announced, callback offered, dequeued through the REST API.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class QueueTests(ServiceFixture fixture) : IDisposable
{
    private static readonly DateTimeZone Zurich = DateTimeZoneProviders.Tzdb["Europe/Zurich"];
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();
    private readonly TwilioWebhooks _twilio = new(fixture.Factory.CreateClient());

    public void Dispose() => fixture.Clock.Set(_restore);

    /// <summary>Walks a Constructor caller to the queue with single signed webhooks; returns the call and its Enqueue TwiML.</summary>
    private async Task<(string Sid, XDocument Twiml)> QueueCallerAsync(string membership, string severity)
    {
        var account = await TestAccounts.CreateAsync(fixture, "constructor", membership);
        var sid = TwilioWebhooks.NewCallSid();
        var form = TwilioWebhooks.IncomingCall(sid, to: "+41525550100", from: "+41445558" + TestAccounts.UniqueDigits(3));
        var twiml = await _twilio.PostTwimlAsync("/twilio/voice", form);
        foreach (var digits in new[] { "1", account.AccountNumber, severity })
        {
            var answer = new Dictionary<string, string?>(form) { ["Digits"] = digits };
            twiml = await _twilio.PostTwimlAsync(TwilioWebhooks.ActionOf(twiml), answer);
        }
        fixture.Twilio.TrackCall(sid, form["From"]!, "+41525550100");
        return (sid, twiml);
    }

    private async Task<int> DispatchAsync()
    {
        using var scope = fixture.Factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<QueueDispatcher>().DispatchOnceAsync(default);
    }

    private async Task ClearQueueAsync() =>
        await fixture.ScalarAsync<int>("with q as (update queue_entries set status = 'left' where status in ('waiting', 'connecting') returning 1) select count(*)::int from q");

    [Fact]
    public async Task PremierCaller_WithNoTechnicianFree_HoldsInThePriorityQueue()
    {
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2026, 7, 8, 10, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        await ClearQueueAsync();

        var (sid, twiml) = await QueueCallerAsync("Premier", "2");

        var enqueue = Assert.Single(twiml.Descendants("Enqueue"));
        Assert.Equal("constructor-support", enqueue.Value);
        Assert.Contains("/twilio/voice/queue/wait?call=" + sid, enqueue.Attribute("waitUrl")!.Value);
        Assert.Equal("waiting", await fixture.ScalarAsync<string>("select status from queue_entries where call_sid = $1", sid));
    }

    [Fact]
    public async Task QueuedPremierCaller_IsTakenBeforeAnEarlierStandardOne()
    {
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2026, 7, 8, 10, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        await ClearQueueAsync();
        var (standard, _) = await QueueCallerAsync("Standard", "1");
        fixture.Clock.Advance(Duration.FromMinutes(5));
        var (premier, _) = await QueueCallerAsync("Premier", "3");
        await TestTechnicians.CreateAsync(fixture, "constructor");

        Assert.Equal(1, await DispatchAsync());

        Assert.Equal("connecting", await fixture.ScalarAsync<string>("select status from queue_entries where call_sid = $1", premier));
        Assert.Equal("waiting", await fixture.ScalarAsync<string>("select status from queue_entries where call_sid = $1", standard));
    }

    [Fact]
    public async Task WaitUrl_AnnouncesPositionInPriorityOrder_ThenOffersACallback()
    {
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2026, 7, 8, 10, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        await ClearQueueAsync();
        var (severity3, _) = await QueueCallerAsync("Premier", "3");
        var (severity1, _) = await QueueCallerAsync("Premier", "1");

        var first = await _twilio.PostTwimlAsync($"/twilio/voice/queue/wait?call={severity1}", TwilioWebhooks.IncomingCall(severity1, "+41525550100"));
        var second = await _twilio.PostTwimlAsync($"/twilio/voice/queue/wait?call={severity3}", TwilioWebhooks.IncomingCall(severity3, "+41525550100"));
        fixture.Clock.Advance(Duration.FromMinutes(3));
        var offer = await _twilio.PostTwimlAsync($"/twilio/voice/queue/wait?call={severity3}", TwilioWebhooks.IncomingCall(severity3, "+41525550100"));
        var leave = await _twilio.PostTwimlAsync($"/twilio/voice/queue/choice?call={severity3}", new Dictionary<string, string?>(TwilioWebhooks.IncomingCall(severity3, "+41525550100")) { ["Digits"] = "2" });

        Assert.Contains("You are number 1 in line", TwilioWebhooks.Spoken(first));
        Assert.Contains("You are number 2 in line", TwilioWebhooks.Spoken(second));
        Assert.Contains("To get a call back instead, press 2.", TwilioWebhooks.Spoken(offer));
        Assert.Single(leave.Descendants("Leave"));
    }

    [Fact]
    public async Task FreeTechnician_IsGivenToTheFirstCallerInLine_ThroughARestRedirect()
    {
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2026, 7, 8, 10, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        await ClearQueueAsync();
        var (low, _) = await QueueCallerAsync("Proctored", "4");
        var (urgent, _) = await QueueCallerAsync("Premier", "1");
        var technician = await TestTechnicians.CreateAsync(fixture, "constructor");

        Assert.Equal(1, await DispatchAsync());

        Assert.Equal("connecting", await fixture.ScalarAsync<string>("select status from queue_entries where call_sid = $1", urgent));
        Assert.Equal("waiting", await fixture.ScalarAsync<string>("select status from queue_entries where call_sid = $1", low));
        var redirect = fixture.Twilio.RequestsTo(TwilioEndpoint.UpdateCall).Last();
        Assert.Contains(urgent, redirect.Path);
        var connect = await _twilio.PostTwimlAsync($"/twilio/voice/queue/connect?call={urgent}", TwilioWebhooks.IncomingCall(urgent, "+41525550100"));
        var number = Assert.Single(connect.Descendants("Number"));
        Assert.Equal(technician.PhoneNumber, number.Value);
        var ended = new Dictionary<string, string?>(TwilioWebhooks.IncomingCall(urgent, "+41525550100"))
        {
            ["DialCallStatus"] = "completed", ["DialCallDuration"] = "600", ["DialBridged"] = "true", ["DialCallSid"] = TwilioWebhooks.NewCallSid(),
        };
        await _twilio.PostTwimlAsync(new Uri(connect.Descendants("Dial").Single().Attribute("action")!.Value).PathAndQuery, ended);
        Assert.Equal("connected", await fixture.ScalarAsync<string>("select status from queue_entries where call_sid = $1", urgent));
        Assert.Equal("wrapUp", await fixture.ScalarAsync<string>("select status from technicians where id = $1", technician.Id));
    }
}
