using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Tests.Flows;
using static PhoneSupport.Domain.Tests.Calls.CallDriver;

namespace PhoneSupport.Domain.Tests.Calls;

public sealed class IvrEngineTests
{
    private const string MainMenu = "Thank you for calling Constellix support. For sales and billing, press 1. For dedicated contract support, press 2. For membership phone support, press 3.";
    private const string ContractPrompt = "Please enter your contract number, followed by the pound key.";
    private const string TicketGoodbye = "You can open a support ticket at any time at support dot constellix dot com, and a technician will respond. Thank you for calling Constellix. Goodbye.";

    private static CallDriver Constellix(string from = UnknownCaller) => new(ShippedFlows.Constellix, from);

    private static CallDriver AtContractNumber()
    {
        var call = Constellix();
        call.Start();
        call.Press("2", finishedOnKey: false);
        return call;
    }

    [Fact]
    public void Step_CallStartedOnConstellix_AsksMainMenuForOneKey()
    {
        var call = Constellix();

        var result = call.Start();

        var ask = Assert.IsType<Instruction.Ask>(result.Instruction);
        var said = Assert.Single(ask.Say);
        Assert.Equal(new Utterance(MainMenu, "en-US", "Polly.Joanna"), said);
        Assert.Equal(1, ask.Gather.NumDigits);
        Assert.False(ask.Gather.Speech);
        Assert.Equal(6, ask.Gather.TimeoutSeconds);
        Assert.Equal(("main-menu", 0, 1, CallPhase.InIvr), (result.Session.StepId, result.Session.Attempt, result.Session.Sequence, result.Session.Phase));
        Assert.Contains(result.Events, e => e.Kind == "step" && e.Data["step"] == "main-menu");
    }

    [Fact]
    public void Step_Press2AtMainMenu_AsksForContractNumberFinishedByPound()
    {
        var call = Constellix();
        call.Start();

        var result = call.Press("2", finishedOnKey: false);

        var ask = Assert.IsType<Instruction.Ask>(result.Instruction);
        Assert.Equal([ContractPrompt], Texts(ask));
        Assert.Null(ask.Gather.NumDigits);
        Assert.Equal("#", ask.Gather.FinishOnKey);
        Assert.Equal(8, ask.Gather.TimeoutSeconds);
        Assert.Equal("contract-number", result.Session.StepId);
        Assert.Empty(call.Requests);
    }

    [Fact]
    public void Step_KnownContractNumber_IdentifiesRoutesAndWithNoTechnicianOffersACallback()
    {
        var call = AtContractNumber();

        var result = call.Press("5550001");
        var scheduled = call.Press("1");

        Assert.Equal([new FactRequest.AccountByContractNumber(new ContractNumber("5550001"))], call.Lookups);
        Assert.Equal("Acme Corp", result.Session.Var("accountName"));
        Assert.Equal("5550001", result.Session.Var("contractNumber"));
        Assert.Equal(Acme.AccountId.ToString(), result.Session.Var("accountId"));
        var ask = Texts(Assert.IsType<Instruction.Ask>(result.Instruction));
        Assert.Equal("Thank you. Contract 5 5 5 0 0 0 1, for Acme Corp.", ask[0]);
        Assert.Equal("All our technicians are busy right now.", ask[1]);
        Assert.StartsWith("We can call you back at the number ending in 0 9 9 9.", ask[2], StringComparison.Ordinal);
        Assert.Equal("offer-callback", result.Session.StepId);
        Assert.Contains(call.Requests, r => r is FactRequest.TechnicianPool { Provider: "constellix" });
        Assert.DoesNotContain(call.Effects, e => e is Effect.ReserveTechnician);
        var schedule = Assert.Single(call.Effects.OfType<Effect.ScheduleCallback>());
        Assert.Equal(UnknownCaller, schedule.Number.Value);
        Assert.StartsWith("Thank you. A technician will call you back at the number ending in 0 9 9 9 by", Texts(Assert.IsType<Instruction.Hangup>(scheduled.Instruction))[0], StringComparison.Ordinal);
        Assert.Equal(CallPhase.Ended, scheduled.Session.Phase);
        Assert.Contains(result.Events, e => e.Kind == "identify" && e.Data["result"] == "identified" && e.Data["contractNumber"] == "5550001");
        Assert.Contains(result.Events, e => e.Kind == "routing" && e.Data["result"] == "noTechnician");
        Assert.Contains(scheduled.Events, e => e.Kind == "callbackScheduled");
    }

    [Fact]
    public void Step_UnknownContractNumberThreeTimes_ReasksWithNotFoundThenSaysTicketGoodbye()
    {
        var call = AtContractNumber();
        const string notFound = "Sorry, I couldn't find that contract number.";

        var first = call.Press("9999");
        var second = call.Press("99999");
        var third = call.Press("999999");

        Assert.Equal([notFound, ContractPrompt], Texts(Assert.IsType<Instruction.Ask>(first.Instruction)));
        Assert.Equal([notFound, ContractPrompt], Texts(Assert.IsType<Instruction.Ask>(second.Instruction)));
        Assert.Equal((1, 2), (first.Session.Attempt, second.Session.Attempt));
        Assert.Equal([notFound, TicketGoodbye], Texts(Assert.IsType<Instruction.Hangup>(third.Instruction)));
        Assert.Equal(("ticket-goodbye", CallPhase.Ended), (third.Session.StepId, third.Session.Phase));
        Assert.Equal(3, call.Lookups.Count);
        Assert.Contains(third.Events, e => e.Kind == "attemptsExhausted" && e.Data["step"] == "contract-number");
    }

    [Theory]
    [InlineData("123")]
    [InlineData("1234567890123")]
    [InlineData("12*4")]
    [InlineData("")]
    public void Step_ContractNumberOfWrongShape_CountsATryWithInvalidTextAndAsksNoFact(string digits)
    {
        var call = AtContractNumber();

        var result = call.Press(digits);

        Assert.Equal(["Sorry, that isn't one of the choices.", ContractPrompt], Texts(Assert.IsType<Instruction.Ask>(result.Instruction)));
        Assert.Equal(("contract-number", 1), (result.Session.StepId, result.Session.Attempt));
        Assert.Empty(call.Requests);
    }

    [Fact]
    public void Step_NoInputAtContractNumber_ReasksWithNoInputText()
    {
        var call = AtContractNumber();

        var result = call.Silence();

        Assert.Equal(["Sorry, I didn't hear anything.", ContractPrompt], Texts(Assert.IsType<Instruction.Ask>(result.Instruction)));
        Assert.Equal(1, result.Session.Attempt);
    }

    [Fact]
    public void Step_ThreeInvalidKeysAtMainMenu_GoesToOnFail()
    {
        var call = Constellix();
        call.Start();

        var first = call.Press("9", false);
        var second = call.Press("*", false);
        var third = call.Press("0", false);

        Assert.Equal(["Sorry, that isn't one of the choices.", MainMenu], Texts(first.Instruction));
        Assert.IsType<Instruction.Ask>(second.Instruction);
        Assert.Equal(["Sorry, that isn't one of the choices.", TicketGoodbye], Texts(Assert.IsType<Instruction.Hangup>(third.Instruction)));
        Assert.Equal(("ticket-goodbye", CallPhase.Ended), (third.Session.StepId, third.Session.Phase));
    }

    [Fact]
    public void Step_CallerIdMatchesOneAccount_ConfirmsAndPressing2AsksForUserName()
    {
        var call = Constellix(KnownCaller);
        call.Start();

        var confirm = call.Press("3", false);
        var userName = call.Press("2", false);

        Assert.Equal([new FactRequest.AccountsByPhone("constellix", KnownCaller)], call.Lookups);
        Assert.Equal(["Press 1 if you are calling for Acme Corp. Otherwise, press 2."], Texts(Assert.IsType<Instruction.Ask>(confirm.Instruction)));
        Assert.Equal("member-confirm-caller", confirm.Session.StepId);
        var ask = Assert.IsType<Instruction.Ask>(userName.Instruction);
        Assert.Equal(["Please say the user name of your Constellix account."], Texts(ask));
        Assert.True(ask.Gather.Speech);
        Assert.Equal(["dot", "underscore", "dash"], ask.Gather.Hints.ToArray());
        Assert.Equal("member-user-name", userName.Session.StepId);
    }

    [Fact]
    public void Step_UnknownCallerId_AsksForUserNameStraightAway()
    {
        var call = Constellix(UnknownCaller);
        call.Start();

        var result = call.Press("3", false);

        Assert.Equal("member-user-name", result.Session.StepId);
        Assert.Contains(result.Events, e => e.Kind == "identify" && e.Data["result"] == "notFound");
    }

    [Fact]
    public void Step_SpokenUserName_AsksForNormalisedNameAndConfirmsAccount()
    {
        var call = Constellix(UnknownCaller);
        call.Start();
        call.Press("3", false);

        var result = call.Say("Jane Dot Doe");

        Assert.Equal(new FactRequest.AccountsByUserName("constellix", "janedoe"), call.Lookups[^1]);
        Assert.Equal(["I found the account of Jane Doe. Press 1 if that is right. Otherwise, press 2."], Texts(result.Instruction));
        Assert.Equal("member-confirm-name", result.Session.StepId);
    }

    [Fact]
    public void Step_ConstructorLanguageMenu_SaysEachLanguageInItsOwnVoice()
    {
        var call = new CallDriver(ShippedFlows.Constructor);

        var result = call.Start();

        var ask = Assert.IsType<Instruction.Ask>(result.Instruction);
        Assert.Equal(
            [new Utterance("Welcome to Constructor Technology support. For English, press 1.", "en-US", "Polly.Joanna"),
             new Utterance("Für Deutsch, drücken Sie die 2.", "de-DE", "Polly.Vicki")],
            ask.Say.ToArray());
        Assert.Equal(("en-US", 1), (ask.Gather.Language, ask.Gather.NumDigits));
    }

    [Fact]
    public void Step_ConstructorLanguage2_SpeaksGermanAfterwardsAndSeveritySetsVar()
    {
        var call = new CallDriver(ShippedFlows.Constructor);
        call.Start();

        var customer = call.Press("2", false);
        var severity = call.Press("4711");
        var routed = call.Press("3", false);

        var ask = Assert.IsType<Instruction.Ask>(customer.Instruction);
        Assert.Equal([new Utterance("Bitte geben Sie Ihre Kundennummer ein, gefolgt von der Rautetaste.", "de-DE", "Polly.Vicki")], ask.Say.ToArray());
        Assert.Equal(("de-DE", "de-DE"), (ask.Gather.Language, customer.Session.Var("language")));
        Assert.Equal(new FactRequest.AccountByNumber("constructor", "4711"), Assert.Single(call.Lookups));
        var severityAsk = Assert.IsType<Instruction.Ask>(severity.Instruction);
        Assert.StartsWith("Danke, Acme Corp. Wie schwer ist das Problem?", severityAsk.Say.Single().Text, StringComparison.Ordinal);
        Assert.All(severityAsk.Say, u => Assert.Equal(("de-DE", "Polly.Vicki"), (u.Language, u.Voice)));
        Assert.Equal("3", routed.Session.Var("severity"));
        var queued = Assert.IsType<Instruction.Enqueue>(routed.Instruction);
        Assert.Equal("Bitte bleiben Sie dran für den nächsten Techniker.", queued.Say[^1].Text);
        var offer = Assert.IsType<Instruction.Ask>(call.Send(new CallerInput.QueueLeft("leave")).Instruction);
        Assert.All(offer.Say, u => Assert.Equal("Polly.Vicki", u.Voice));
        Assert.StartsWith("Wir können Sie unter der Nummer mit den Endziffern", offer.Say[^1].Text, StringComparison.Ordinal);
        var hangup = Assert.IsType<Instruction.Hangup>(call.Press("1").Instruction);
        Assert.StartsWith("Danke. Ein Techniker ruft Sie", hangup.Say.Single().Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_EveryAskIncrementsSequenceAndReplayRepeatsItUnchanged()
    {
        var call = AtContractNumber();
        Assert.Equal(2, call.Session.Sequence);

        var retried = call.Press("12");
        var replayed = call.Send(new CallerInput.Replay());

        Assert.Equal(3, retried.Session.Sequence);
        var ask = Assert.IsType<Instruction.Ask>(replayed.Instruction);
        Assert.Same(retried.Session, replayed.Session);
        Assert.Equal([ContractPrompt], Texts(ask));
        Assert.Equal(((Instruction.Ask)retried.Instruction).Gather with { Hints = ask.Gather.Hints }, ask.Gather);
        Assert.Empty(replayed.Events);
        Assert.Equal(4, call.Silence().Session.Sequence);
    }

    [Fact]
    public void Step_SessionEnded_ReplaysAsBareHangup()
    {
        var call = AtContractNumber();
        call.Press("5550001");
        var ended = call.Press("1").Session;

        foreach (var input in new CallerInput[] { new CallerInput.Replay(), new CallerInput.KeysPressed("1", false), new CallerInput.NoInput() })
        {
            var result = call.Send(input);

            var hangup = Assert.IsType<Instruction.Hangup>(result.Instruction);
            Assert.Empty(hangup.Say);
            Assert.Empty(result.Events);
            Assert.Equal(ended, result.Session);
        }
    }

    [Fact]
    public void Step_SalesOutOfHours_RecordsMessageThenThanksAndEnds()
    {
        var call = Constellix();
        call.Start();

        var record = call.Press("1", false);
        var done = call.Send(new CallerInput.RecordingDone("https://api.twilio.com/rec/RE1", 42));

        var message = Assert.IsType<Instruction.RecordMessage>(record.Instruction);
        Assert.Equal(120, message.MaxLengthSeconds);
        Assert.StartsWith("Our sales and billing team is available Monday to Friday", message.Say[^1].Text, StringComparison.Ordinal);
        Assert.Equal(("sales-message", 2), (record.Session.StepId, record.Session.Sequence));
        Assert.Equal(["Thank you. Your message has been recorded. Goodbye."], Texts(Assert.IsType<Instruction.Hangup>(done.Instruction)));
        Assert.Equal(CallPhase.Ended, done.Session.Phase);
        Assert.Contains(done.Events, e => e.Kind == "message" && e.Data["seconds"] == "42" && e.Data["recordingUrl"] == "https://api.twilio.com/rec/RE1");
    }
}
