using System.Net;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Domain.Reports;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.Features.Callbacks;
using PhoneSupport.Features.Queue;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Reports;

/// <summary>
/// The service report derived from a scripted set of Constructor calls played as signed webhooks (and the Twilio emulator for
/// callbacks) in March 2030, a month no other test uses: answered fast, answered late from the queue, abandoned in the IVR and in
/// the queue, callbacks kept, late and missed, SLA targets met and missed. Every figure is compared exactly.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class ServiceReportTests(ServiceFixture fixture) : IAsyncLifetime
{
    private const string Line = "+41525550100";
    private const int TalkFast = 300;
    private const int TalkLate = 120;
    private static readonly DateTimeZone Zurich = DateTimeZoneProviders.Tzdb["Europe/Zurich"];
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();
    private readonly AdminApi _api = new(fixture);
    private readonly TwilioWebhooks _twilio = new(fixture.Factory.CreateClient());

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        fixture.Clock.Set(_restore);
        await QuietLineAsync();
        await _api.DisposeAsync();
    }

    /// <summary>Monday 2030-03-04 is day 4 (CET, UTC+1).</summary>
    private void At(int day, int hour, int minute = 0) => fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2030, 3, day, hour, minute)).ToInstant());

    private async Task QuietLineAsync()
    {
        await TestTechnicians.OfflineAllAsync(fixture);
        await fixture.ScalarAsync<int>("with c as (update callbacks set status = 'cancelled' where status in ('scheduled', 'dialing') returning 1) select count(*)::int from c");
        await fixture.ScalarAsync<int>("with q as (update queue_entries set status = 'left' where status in ('waiting', 'connecting') returning 1) select count(*)::int from q");
    }

    private static Dictionary<string, string?> With(Dictionary<string, string?> form, params (string Key, string Value)[] values)
    {
        var copy = new Dictionary<string, string?>(form);
        foreach (var (key, value) in values) copy[key] = value;
        return copy;
    }

    /// <summary>An incoming call, then each entry keyed at the question it gets: the call's form and the last TwiML.</summary>
    private async Task<(string Sid, Dictionary<string, string?> Form, XDocument Twiml)> CallAsync(TestAccounts.Created? account, params string[] digits)
    {
        var sid = TwilioWebhooks.NewCallSid();
        var form = TwilioWebhooks.IncomingCall(sid, to: Line, from: account?.Phone ?? "+41445558" + TestAccounts.UniqueDigits(3));
        var twiml = await _twilio.PostTwimlAsync("/twilio/voice", form);
        foreach (var d in digits) twiml = await _twilio.PostTwimlAsync(TwilioWebhooks.ActionOf(twiml), With(form, ("Digits", d)));
        return (sid, form, twiml);
    }

    private static string PathOf(string url) => new Uri(url).PathAndQuery;

    /// <summary>The technician's leg: the whisper, then "1" after <paramref name="ringing"/>; then the bridged dial action and the final status.</summary>
    private async Task AnswerAndTalkAsync(Dictionary<string, string?> form, XDocument dial, Duration ringing, int talkSeconds)
    {
        var number = dial.Descendants("Number").Single();
        var leg = TwilioWebhooks.NewCallSid();
        var whisper = await _twilio.PostTwimlAsync(PathOf(number.Attribute("url")!.Value), With(form, ("CallSid", leg), ("ParentCallSid", form["CallSid"]!)));
        fixture.Clock.Advance(ringing);
        await _twilio.PostTwimlAsync(TwilioWebhooks.ActionOf(whisper), With(form, ("CallSid", leg), ("ParentCallSid", form["CallSid"]!), ("Digits", "1")));
        fixture.Clock.Advance(Duration.FromSeconds(talkSeconds));
        await _twilio.PostTwimlAsync(PathOf(dial.Descendants("Dial").Single().Attribute("action")!.Value), With(form,
            ("DialCallStatus", "completed"), ("DialCallDuration", talkSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("DialBridged", "true"), ("DialCallSid", leg)));
        await EndAsync(form);
    }

    private async Task EndAsync(Dictionary<string, string?> form)
    {
        using var response = await _twilio.PostAsync("/twilio/voice/status", With(form, ("CallStatus", "completed"), ("CallDuration", "400")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<int> InScopeAsync<TService>(Func<TService, Task<int>> run) where TService : notnull
    {
        using var scope = fixture.Factory.Services.CreateScope();
        return await run(scope.ServiceProvider.GetRequiredService<TService>());
    }

    /// <summary>A Standard caller at night: the policy promises a callback (severity 1: 4 coverage hours, due Tuesday 12:00).</summary>
    private async Task<(string Sid, string Phone)> NightCallbackAsync()
    {
        At(4, 21);
        await QuietLineAsync();
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Standard");
        var (sid, form, twiml) = await CallAsync(account, "1", account.AccountNumber, "1", "1");
        Assert.Contains("Hangup", twiml.Descendants().Select(e => e.Name.LocalName));
        await EndAsync(form);
        Assert.Equal("scheduled", await fixture.ScalarAsync<string>("select status from callbacks where call_sid = $1", sid));
        return (sid, account.Phone);
    }

    private async Task RunCallbackAsync(string sid)
    {
        Assert.Equal(1, await InScopeAsync<CallbackDispatcher>(d => d.DispatchOnceAsync(default)));
        await fixture.Twilio.RunCallAsync((await fixture.ScalarAsync<string>("select twilio_call_sid from callbacks where call_sid = $1", sid))!);
    }

    [Fact]
    public async Task ScriptedCalls_GiveEachFigureExactly_ByMonthDayAndPlan_AndTheCsvHasTheApisColumns()
    {
        // Callback missed: the customer never answers three spaced attempts (Tuesday from 08:30).
        var (missed, missedPhone) = await NightCallbackAsync();
        At(5, 8, 30);
        var technician = await TestTechnicians.CreateAsync(fixture, "constructor");
        fixture.Twilio.Phone(technician.PhoneNumber, CalledParty.Pressing("1")).Phone(missedPhone, CalledParty.NotAnswering());
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await fixture.ScalarAsync<int>("update technicians set status = 'available', status_since = now() - interval '1 hour' where id = $1 returning 1", technician.Id);
            await RunCallbackAsync(missed);
            fixture.Clock.Advance(Duration.FromMinutes(11));
        }
        Assert.Equal("missed", await fixture.ScalarAsync<string>("select status from callbacks where call_sid = $1", missed));

        // Callback kept: dialled at 11:00, before its 12:00 due time. Callback late: dialled at 13:00.
        foreach (var (hour, name) in new[] { (11, "kept"), (13, "late") })
        {
            var (sid, phone) = await NightCallbackAsync();
            At(5, hour);
            var tech = await TestTechnicians.CreateAsync(fixture, "constructor");
            fixture.Twilio.Phone(tech.PhoneNumber, CalledParty.Pressing("1")).Phone(phone, CalledParty.Talking(TimeSpan.FromMinutes(5)));
            await RunCallbackAsync(sid);
            Assert.True("completed" == await fixture.ScalarAsync<string>("select status from callbacks where call_sid = $1", sid), name);
        }

        // Answered fast: a Premier severity 1 caller, the technician presses 1 after 10 s.
        At(5, 10);
        await QuietLineAsync();
        var premier = await TestAccounts.CreateAsync(fixture, "constructor", "Premier");
        await TestTechnicians.CreateAsync(fixture, "constructor");
        var fast = await CallAsync(premier, "1", premier.AccountNumber, "1");
        await AnswerAndTalkAsync(fast.Form, fast.Twiml, Duration.FromSeconds(10), TalkFast);

        // Abandoned in the IVR: hangs up at the language menu.
        At(5, 10, 10);
        await QuietLineAsync();
        var ivr = await CallAsync(null);
        await EndAsync(ivr.Form);

        // Answered late: severity 2 holds in the queue 3 minutes until a technician frees up; the dispatcher redirects the call.
        var late = await CallAsync(premier, "1", premier.AccountNumber, "2");
        Assert.Single(late.Twiml.Descendants("Enqueue"));
        fixture.Twilio.TrackCall(late.Sid, late.Form["From"]!, Line);
        fixture.Clock.Advance(Duration.FromMinutes(3));
        await TestTechnicians.CreateAsync(fixture, "constructor");
        Assert.Equal(1, await InScopeAsync<QueueDispatcher>(d => d.DispatchOnceAsync(default)));
        var connect = await _twilio.PostTwimlAsync($"/twilio/voice/queue/connect?call={late.Sid}", late.Form);
        await AnswerAndTalkAsync(late.Form, connect, Duration.FromSeconds(0), TalkLate);

        // Abandoned in the queue: severity 3 holds, then hangs up (Twilio's Enqueue action says so).
        At(5, 10, 30);
        await QuietLineAsync();
        var gaveUp = await CallAsync(premier, "1", premier.AccountNumber, "3");
        var enqueue = gaveUp.Twiml.Descendants("Enqueue").Single();
        fixture.Clock.Advance(Duration.FromMinutes(2));
        await _twilio.PostTwimlAsync(PathOf(enqueue.Attribute("action")!.Value), With(gaveUp.Form, ("QueueResult", "hangup")));
        await EndAsync(gaveUp.Form);

        // Read at 15:00: the queued caller's 2-hour target (due ~12:30) has passed without contact.
        At(5, 15);
        var speeds = new long[SpeedOfAnswer.Edges.Count];
        speeds[SpeedOfAnswer.BucketOf(10)]++;
        speeds[SpeedOfAnswer.BucketOf(180)]++;
        var seconds = new long[SpeedOfAnswer.Edges.Count];
        seconds[SpeedOfAnswer.BucketOf(10)] += 10;
        seconds[SpeedOfAnswer.BucketOf(180)] += 180;
        var wrapUp = (long)fixture.Factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Features.Routing.RoutingOptions>>().Value.WrapUp.TotalSeconds;

        var month = await AdminApi.ExpectAsync(await _api.Admin.GetAsync("/api/reports/service?provider=constructor&from=2030-03-01&to=2030-03-31&groupBy=month"), HttpStatusCode.OK);
        var row = Assert.Single(month["rows"]!.AsArray())!.AsObject();
        Assert.Equal("2030-03", (string?)row["period"]);
        Assert.Equal("constructor", (string?)row["provider"]);
        var expected = new Dictionary<string, long>
        {
            ["offered"] = 3, ["answeredLive"] = 2, ["answeredWithinTarget"] = 1, ["abandoned"] = 1, ["abandonedInIvr"] = 1, ["abandonedInQueue"] = 1,
            ["callbacksPromised"] = 3, ["callbacksKeptOnTime"] = 1, ["callbacksLate"] = 1, ["callbacksMissed"] = 1, ["slaMet"] = 3, ["slaMissed"] = 3,
        };
        foreach (var (field, value) in expected) Assert.True(value == (long)row[field]!, $"{field}: expected {value}, got {row[field]}");
        Assert.Equal((10 + 180) / 2.0, (double)row["avgSpeedOfAnswerSeconds"]!);
        Assert.Equal(SpeedOfAnswer.Percentile(speeds, 0.9, seconds), (double)row["p90SpeedOfAnswerSeconds"]!);
        Assert.Equal(180.0, (double)row["p90SpeedOfAnswerSeconds"]!); // the slower answer itself: its bucket holds 180 s only
        Assert.Equal((TalkFast + TalkLate) / 2.0, (double)row["avgTalkSeconds"]!);
        Assert.Equal((TalkFast + TalkLate) / 2.0 + wrapUp, (double)row["avgHandleSeconds"]!);
        Assert.Equal(60, (int)month["serviceLevelThresholdSeconds"]!);

        // By day: the calls on Tuesday, the night calls (received, never offered) on Monday add nothing shown; callbacks and SLA by due day.
        var days = await AdminApi.ExpectAsync(await _api.Admin.GetAsync("/api/reports/service?provider=constructor&from=2030-03-01&to=2030-03-31&groupBy=day"), HttpStatusCode.OK);
        var tuesday = Assert.Single(days["rows"]!.AsArray(), r => (string?)r!["period"] == "2030-03-05")!;
        foreach (var (field, value) in expected) Assert.True(value == (long)tuesday[field]!, $"day {field}: expected {value}, got {tuesday[field]}");

        // By plan: Premier has the live calls, Standard the callbacks; the unidentified IVR caller has no plan ("").
        var plans = await AdminApi.ExpectAsync(await _api.Admin.GetAsync("/api/reports/service?provider=constructor&from=2030-03-01&to=2030-03-31&groupBy=plan"), HttpStatusCode.OK);
        var byPlan = plans["rows"]!.AsArray().ToDictionary(r => (string)r!["plan"]!, r => r!.AsObject());
        Assert.Equal(3, (long)byPlan["Premier"]["offered"]!);
        Assert.Equal(2, (long)byPlan["Premier"]["slaMet"]!);
        Assert.Equal(1, (long)byPlan["Premier"]["slaMissed"]!);
        Assert.Equal(3, (long)byPlan["Standard"]["callbacksPromised"]!);
        Assert.Equal(2, (long)byPlan["Standard"]["slaMissed"]!);
        Assert.Equal(1, (long)byPlan[""]["abandonedInIvr"]!);

        // The CSV: the API's field names as columns, the same figures.
        using var csv = await _api.Admin.GetAsync("/api/reports/service.csv?provider=constructor&from=2030-03-01&to=2030-03-31&groupBy=month");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        Assert.Equal(row.Select(p => p.Key), header);
        var values = lines[1].Split(',');
        foreach (var (field, value) in expected) Assert.Equal(value.ToString(System.Globalization.CultureInfo.InvariantCulture), values[Array.IndexOf(header, field)]);
        Assert.Equal("95.0", values[Array.IndexOf(header, "avgSpeedOfAnswerSeconds")]);

        // Repeated final statuses and the sweep change nothing: each call counts once.
        await EndAsync(fast.Form);
        await InScopeAsync<Features.Reports.ServiceRollup>(r => r.SweepAsync(1000, default));
        foreach (var sid in new[] { missed, fast.Sid, ivr.Sid, late.Sid, gaveUp.Sid })
            Assert.False(await InScopeAsync<Features.Reports.ServiceRollup>(async r => await r.AddAsync(sid, "constructor", default) ? 1 : 0) == 1, sid);
        var again = await AdminApi.ExpectAsync(await _api.Admin.GetAsync("/api/reports/service?provider=constructor&from=2030-03-01&to=2030-03-31&groupBy=month"), HttpStatusCode.OK);
        Assert.Equal(3, (long)again["rows"]![0]!["offered"]!);
        Assert.Equal(2, (long)again["rows"]![0]!["answeredLive"]!);

        // Two days on, Tuesday is final (over, no callback open): its callback and SLA figures are stored once and read back the same.
        At(7, 12);
        var stored = await AdminApi.ExpectAsync(await _api.Admin.GetAsync("/api/reports/service?provider=constructor&from=2030-03-01&to=2030-03-31&groupBy=plan"), HttpStatusCode.OK);
        Assert.Equal(1, await fixture.ScalarAsync<long>("select count(*) from report_days_cached where provider = 'constructor' and day = '2030-03-05'"));
        Assert.True(await fixture.ScalarAsync<long>("select count(*) from report_day_cache where provider = 'constructor' and day = '2030-03-05'") >= 2);
        var fromCache = await AdminApi.ExpectAsync(await _api.Admin.GetAsync("/api/reports/service?provider=constructor&from=2030-03-01&to=2030-03-31&groupBy=plan"), HttpStatusCode.OK);
        Assert.Equal(plans["rows"]!.ToJsonString(), stored["rows"]!.ToJsonString());
        Assert.Equal(plans["rows"]!.ToJsonString(), fromCache["rows"]!.ToJsonString());
    }
}
