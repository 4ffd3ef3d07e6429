using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.Features.Queue;
using PhoneSupport.Tests.Admin;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>
/// Whole languages: a caller who chose German hears no English word on any path (route, callback, queue), a German
/// caller is offered the German-speaking technician first, and the technician hears the whisper in their language.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed partial class LanguageCallTests(ServiceFixture fixture) : IDisposable
{
    private const string Constructor = "+41525550100";
    private static readonly DateTimeZone Zurich = DateTimeZoneProviders.Tzdb["Europe/Zurich"];

    /// <summary>English words a German sentence never uses ("Dollar", "in", "an", "am" are German too, so they are not here).</summary>
    private static readonly HashSet<string> EnglishWords =
    [
        "minute", "minutes", "hour", "hours", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "at", "dollars", "franc", "francs", "cents", "centimes", "please", "hold", "holding", "press", "the", "and", "you", "your",
        "for", "is", "by", "of", "to", "or", "per", "call", "number", "thank", "goodbye", "technician", "engineer", "severity", "line", "wait",
    ];

    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();
    private readonly TwilioWebhooks _twilio = new(fixture.Factory.CreateClient());

    public void Dispose() => fixture.Clock.Set(_restore);

    private static string NewCaller() => "+41445557" + TestAccounts.UniqueDigits(3);

    /// <summary>Every sentence is German (voice de-DE) and has no English word.</summary>
    private static void AssertAllGerman(IEnumerable<(string Text, string? Language)> says, string where)
    {
        var list = says.ToList();
        Assert.NotEmpty(list);
        foreach (var (text, language) in list)
        {
            Assert.True(language == "de-DE", $"{where}: '{text}' is spoken as {language ?? "(no language)"}, not de-DE");
            var english = Words().Split(text.ToLowerInvariant()).Where(EnglishWords.Contains).ToList();
            Assert.True(english.Count == 0, $"{where}: '{text}' has English words: {string.Join(", ", english)}");
        }
    }

    /// <summary>What the caller heard after choosing German: everything but the language menu's English offer.</summary>
    private static IEnumerable<(string Text, string? Language)> AfterLanguageMenu(CallResult result)
    {
        var said = result.OfKind(TranscriptKind.Said).ToList();
        var offer = Assert.Single(said, e => e.Language == "en-US");
        Assert.StartsWith("Welcome to Constructor Technology support. For English, press 1.", offer.Text);
        return said.Where(e => e != offer).Select(e => (e.Text, e.Language));
    }

    private static IEnumerable<(string Text, string? Language)> Says(XDocument twiml) =>
        twiml.Descendants("Say").Select(s => (s.Value, s.Attribute("language")?.Value));

    [Fact]
    public async Task GermanCall_RoutePath_IsAllGerman_AndTheGermanSpeakingTechnicianHearsAGermanWhisper()
    {
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2026, 7, 8, 10, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        var english = await TestTechnicians.CreateAsync(fixture, "constructor", languages: ["en"]);
        var german = await TestTechnicians.CreateAsync(fixture, "constructor", languages: ["de", "en"]);
        // The English-speaking technician has been idle longest: without the language preference they would be offered the call.
        await fixture.ScalarAsync<int>("update technicians set status_since = status_since - interval '20 minutes' where id = $1 returning 1", english.Id);
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Premier");

        var (result, said) = await SimulatedCalls.CallAsync(fixture, Constructor, NewCaller(), ScriptedCaller.Keys("2", account.AccountNumber + "#", "1"),
            TechnicianScript.Accepting(TimeSpan.FromMinutes(5)));

        Assert.Contains("Unser Reaktionsziel für Schweregrad 1 ist 15 Minuten.", said);
        AssertAllGerman(AfterLanguageMenu(result), "caller");
        Assert.Equal(german.Id.ToString(), await fixture.ScalarAsync<string>("select data->>'technicianId' from call_events where call_sid = $1 and kind = 'connected'", result.CallSid));
        var whisper = result.OfKind(TranscriptKind.Whisper).ToList();
        Assert.Contains(whisper, e => e.Text.StartsWith("Supportanruf von Test Premier", StringComparison.Ordinal) && e.Text.Contains("Reaktionsziel 15 Minuten"));
        Assert.All(whisper, e => Assert.Equal("Polly.Vicki", e.Voice));
        AssertAllGerman(whisper.Select(e => (e.Text, e.Language)), "whisper");
    }

    [Fact]
    public async Task GermanCaller_WithOnlyAnEnglishSpeakingTechnicianFree_IsStillConnected_WhoHearsAnEnglishWhisper()
    {
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2026, 7, 8, 10, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        var english = await TestTechnicians.CreateAsync(fixture, "constructor", languages: ["en"]);
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Premier");

        var (result, _) = await SimulatedCalls.CallAsync(fixture, Constructor, NewCaller(), ScriptedCaller.Keys("2", account.AccountNumber + "#", "1"),
            TechnicianScript.Accepting(TimeSpan.FromMinutes(5)));

        Assert.Equal(english.Id.ToString(), await fixture.ScalarAsync<string>("select data->>'technicianId' from call_events where call_sid = $1 and kind = 'connected'", result.CallSid));
        var whisper = string.Join(" ", result.OfKind(TranscriptKind.Whisper).Select(e => e.Text));
        Assert.Contains("Support call from Test Premier", whisper);
        Assert.Contains("response target 15 minutes. Press 1 to accept", whisper);
        Assert.All(result.OfKind(TranscriptKind.Whisper), e => Assert.Equal("en-US", e.Language));
    }

    [Fact]
    public async Task GermanCall_CallbackPath_IsAllGerman()
    {
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2026, 7, 8, 2, 0)).ToInstant());
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Standard");

        var (result, said) = await SimulatedCalls.CallAsync(fixture, Constructor, NewCaller(), ScriptedCaller.Keys("2", account.AccountNumber + "#", "3", "1"));

        Assert.Contains("Unser Support ist Montag bis Freitag, 08:00 bis 20:00 Uhr besetzt.", said);
        Assert.Contains("Für Schweregrad 3 ruft Sie ein Techniker bis Mittwoch um 20:00 Uhr zurück.", said);
        Assert.Contains("Wir können Sie unter der Nummer mit den Endziffern", said);
        Assert.Contains("bis Mittwoch um 20:00 Uhr zurück. Auf Wiederhören.", said);
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from callbacks where call_sid = $1", result.CallSid));
        AssertAllGerman(AfterLanguageMenu(result), "caller");
    }

    [Fact]
    public async Task GermanCallersCallback_TheGermanSpeakingTechnicianHearsItInGerman()
    {
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2026, 7, 8, 2, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        await fixture.ScalarAsync<int>("with c as (update callbacks set status = 'cancelled' where status in ('scheduled', 'dialing') returning 1) select count(*)::int from c");
        // Higher-priority callers left waiting by other tests would hold the technician back (plan priority first).
        await fixture.ScalarAsync<int>("with q as (update queue_entries set status = 'left' where status in ('waiting', 'connecting') returning 1) select count(*)::int from q");
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Standard");
        var caller = NewCaller();
        var (call, _) = await SimulatedCalls.CallAsync(fixture, Constructor, caller, ScriptedCaller.Keys("2", account.AccountNumber + "#", "3", "1"));
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2026, 7, 8, 10, 0)).ToInstant());
        var technician = await TestTechnicians.CreateAsync(fixture, "constructor", languages: ["de", "en"]);
        fixture.Twilio.Phone(technician.PhoneNumber, CalledParty.Pressing("1")).Phone(caller, CalledParty.Talking(TimeSpan.FromMinutes(4)));

        using (var scope = fixture.Factory.Services.CreateScope())
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<PhoneSupport.Features.Callbacks.CallbackDispatcher>().DispatchOnceAsync(default));
        var twilioSid = await fixture.ScalarAsync<string>("select twilio_call_sid from callbacks where call_sid = $1", call.CallSid);
        var leg = await fixture.Twilio.RunCallAsync(twilioSid!);

        Assert.Contains(leg.Transcript, e => e.Text.StartsWith("Rückruf für Test Standard", StringComparison.Ordinal) && e.Text.Contains("versprochen bis Mittwoch um 20:00 Uhr"));
        Assert.Contains(leg.Transcript, e => e.Text == "Ich rufe den Kunden an.");
        AssertAllGerman(leg.Transcript.Where(e => e.Kind is TranscriptKind.Said or TranscriptKind.Whisper).Select(e => (e.Text, e.Language)), "callback technician leg");
        Assert.Equal("completed", await fixture.ScalarAsync<string>("select status from callbacks where call_sid = $1", call.CallSid));
    }

    [Fact]
    public async Task GermanCall_QueuePath_WaitOfferAndHolding_AreAllGerman()
    {
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2026, 7, 8, 10, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        await fixture.ScalarAsync<int>("with q as (update queue_entries set status = 'left' where status in ('waiting', 'connecting') returning 1) select count(*)::int from q");
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Premier");
        var sid = TwilioWebhooks.NewCallSid();
        var form = TwilioWebhooks.IncomingCall(sid, to: Constructor, from: NewCaller());
        var documents = new List<XDocument>();
        var twiml = await _twilio.PostTwimlAsync("/twilio/voice", form);
        foreach (var digits in new[] { "2", account.AccountNumber, "2" })
        {
            twiml = await _twilio.PostTwimlAsync(TwilioWebhooks.ActionOf(twiml), new Dictionary<string, string?>(form) { ["Digits"] = digits });
            documents.Add(twiml);
        }
        Assert.Single(twiml.Descendants("Enqueue"));

        var wait = await _twilio.PostTwimlAsync($"/twilio/voice/queue/wait?call={sid}", form);
        fixture.Clock.Advance(Duration.FromMinutes(3));
        var offer = await _twilio.PostTwimlAsync($"/twilio/voice/queue/wait?call={sid}", form);
        var holding = await _twilio.PostTwimlAsync($"/twilio/voice/queue/choice?call={sid}", new Dictionary<string, string?>(form) { ["Digits"] = "1" });
        documents.AddRange([wait, offer, holding]);

        Assert.Contains("Sie sind Nummer 1 in der Warteschlange. Die geschätzte Wartezeit beträgt etwa", TwilioWebhooks.Spoken(wait));
        Assert.Contains("Für einen Rückruf drücken Sie die 2.", TwilioWebhooks.Spoken(offer));
        Assert.Single(offer.Descendants("Gather"));
        Assert.Equal("Danke für Ihre Geduld.", TwilioWebhooks.Spoken(holding));
        AssertAllGerman(documents.SelectMany(Says), "queue");
        Assert.All(documents.SelectMany(d => d.Descendants("Say")), s => Assert.Equal("Polly.Vicki", s.Attribute("voice")?.Value));
    }

    [Fact]
    public async Task GermanCall_WhoseWebhookFails_HearsTheApologyInGerman()
    {
        var sid = TwilioWebhooks.NewCallSid();
        var form = TwilioWebhooks.IncomingCall(sid, to: Constructor, from: NewCaller());
        var twiml = await _twilio.PostTwimlAsync("/twilio/voice", form);
        twiml = await _twilio.PostTwimlAsync(TwilioWebhooks.ActionOf(twiml), new Dictionary<string, string?>(form) { ["Digits"] = "2" });
        // A call whose state the service cannot follow (a step its flow no longer has): the webhook fails.
        await fixture.ScalarAsync<int>("update calls set step = 'no-such-step' where call_sid = $1 returning 1", sid);

        var apology = await _twilio.PostTwimlAsync(TwilioWebhooks.ActionOf(twiml), new Dictionary<string, string?>(form) { ["Digits"] = "123#" });

        Assert.StartsWith("Es tut uns leid, wir haben technische Schwierigkeiten.", TwilioWebhooks.Spoken(apology));
        AssertAllGerman(Says(apology), "apology");
        Assert.Single(apology.Descendants("Hangup"));
    }

    [Fact]
    public async Task QueuedGermanCaller_IsGivenTheGermanSpeakingTechnician()
    {
        fixture.Clock.Set(Zurich.AtStrictly(new LocalDateTime(2026, 7, 8, 10, 0)).ToInstant());
        await TestTechnicians.OfflineAllAsync(fixture);
        await fixture.ScalarAsync<int>("with q as (update queue_entries set status = 'left' where status in ('waiting', 'connecting') returning 1) select count(*)::int from q");
        var account = await TestAccounts.CreateAsync(fixture, "constructor", "Premier");
        var sid = TwilioWebhooks.NewCallSid();
        var form = TwilioWebhooks.IncomingCall(sid, to: Constructor, from: NewCaller());
        var twiml = await _twilio.PostTwimlAsync("/twilio/voice", form);
        foreach (var digits in new[] { "2", account.AccountNumber, "2" })
            twiml = await _twilio.PostTwimlAsync(TwilioWebhooks.ActionOf(twiml), new Dictionary<string, string?>(form) { ["Digits"] = digits });
        fixture.Twilio.TrackCall(sid, form["From"]!, Constructor);
        var english = await TestTechnicians.CreateAsync(fixture, "constructor", languages: ["en"]);
        var german = await TestTechnicians.CreateAsync(fixture, "constructor", languages: ["de"]);
        await fixture.ScalarAsync<int>("update technicians set status_since = status_since - interval '20 minutes' where id = $1 returning 1", english.Id);

        using (var scope = fixture.Factory.Services.CreateScope())
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<QueueDispatcher>().DispatchOnceAsync(default));

        Assert.Equal(german.Id, await fixture.ScalarAsync<Guid>("select technician_id from queue_entries where call_sid = $1", sid));
    }

    [Fact]
    public async Task TechnicianApi_TakesLanguageTags_StoresPrimarySubtags_AndRefusesBadOnes()
    {
        await using var api = new AdminApi(fixture);

        var created = await AdminApi.ExpectAsync(await api.Admin.PostAsJsonAsync("/api/technicians", new
        {
            name = "Heidi Keller", phoneNumber = AdminApi.NewPhone(), providers = new[] { "constructor" }, languages = new[] { "de-CH", "en" },
        }), HttpStatusCode.Created);
        var plain = await AdminApi.ExpectAsync(await api.Admin.PostAsJsonAsync("/api/technicians", new
        {
            name = "Plain Default", phoneNumber = AdminApi.NewPhone(), providers = new[] { "constructor" },
        }), HttpStatusCode.Created);
        var problem = await AdminApi.ProblemAsync(await api.Admin.PostAsJsonAsync("/api/technicians", new
        {
            name = "Bad Tags", phoneNumber = AdminApi.NewPhone(), providers = new[] { "constructor" }, languages = new[] { "de_DE", "de", "de-AT" },
        }), HttpStatusCode.BadRequest);

        Assert.Equal(["de", "en"], created["languages"]!.AsArray().Select(l => (string)l!));
        var read = await AdminApi.ExpectAsync(await api.Admin.GetAsync($"/api/technicians/{created["id"]}"), HttpStatusCode.OK);
        Assert.Equal(["de", "en"], read["languages"]!.AsArray().Select(l => (string)l!));
        Assert.Equal(["en"], plain["languages"]!.AsArray().Select(l => (string)l!));
        Assert.Contains("'de_DE' is not a language tag", AdminApi.Errors(problem, "languages"));
        Assert.Contains("'de-AT' is listed more than once", AdminApi.Errors(problem, "languages"));
    }

    [GeneratedRegex(@"[^\p{L}]+")] private static partial Regex Words();
}
