using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>Whole calls through both shipped flows: the call driver plays Twilio against the real host and database.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class FlowWalkTests(ServiceFixture fixture)
{
    private Task<(CallResult Result, string Said)> CallAsync(string to, string from, ScriptedCaller caller) =>
        SimulatedCalls.CallAsync(fixture, to, from, caller);

    [Fact]
    public async Task Constellix_Press2_AndAKnownContract_IdentifiesAcmeAndEndsPolitely()
    {
        var (result, said) = await CallAsync("+17038803095", "+15559990001", ScriptedCaller.Keys("2", "5550001#"));

        Assert.Contains("enter your contract number, followed by the pound key", said);
        Assert.Contains("Contract 5 5 5 0 0 0 1, for Acme Corporation", said);
        Assert.Single(result.OfKind(TranscriptKind.HungUp));
        var sid = result.CallSid;
        Assert.Equal("completed", await fixture.ScalarAsync<string>("select twilio_status from calls where call_sid = $1", sid));
        Assert.Equal("5550001", await fixture.ScalarAsync<string>("select vars->>'contractNumber' from calls where call_sid = $1", sid));
        Assert.True(await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1 and kind = 'identify' and data->>'result' = 'identified'", sid) == 1);
    }

    [Fact]
    public async Task Constellix_AWrongContractThreeTimes_GivesTheWebTicketAddress()
    {
        var (_, said) = await CallAsync("+17038803095", "+15559990002", ScriptedCaller.Keys("2", "9999999#", "9999998#", "12#"));

        Assert.Contains("couldn't find that contract number", said);
        Assert.Contains("support dot constellix dot com", said);
    }

    [Fact]
    public async Task Constellix_Membership_CallerIdConfirmedWithPress1()
    {
        var (_, said) = await CallAsync("+17038803095", "+15550100001", ScriptedCaller.Keys("3", "1"));

        Assert.Contains("Press 1 if you are calling for Acme Corporation", said);
        Assert.Contains("Thank you, Acme Corporation.", said);
    }

    [Fact]
    public async Task Constellix_Membership_UnknownCaller_SpeaksTheUserName()
    {
        var caller = new ScriptedCaller(["3", "1"], ["Jane dot Doe"]);

        var (_, said) = await CallAsync("+17038803095", "+15559990003", caller);

        Assert.Contains("say the user name", said);
        Assert.Contains("I found the account of Acme Corporation", said);
        Assert.Contains("Thank you, Acme Corporation.", said);
    }

    [Fact]
    public async Task Constellix_Membership_MisheardUserName_IsMatchedTolerantlyAndConfirmed()
    {
        var caller = new ScriptedCaller(["3", "1"], ["umbrela opps"]);

        var (_, said) = await CallAsync("+17038803095", "+15559990006", caller);

        Assert.Contains("I found the account of Umbrella Networks", said);
    }

    [Fact]
    public async Task Constellix_Membership_DenyingTheName_FallsBackToTheAccountNumber()
    {
        var caller = new ScriptedCaller(["3", "2", "100002#"], ["jane doe"]);

        var (_, said) = await CallAsync("+17038803095", "+15559990004", caller);

        Assert.Contains("enter your account number", said);
        Assert.Contains("Thank you, Globex Hosting.", said);
    }

    [Fact]
    public async Task Constellix_Sales_TakesAMessage()
    {
        var (result, said) = await CallAsync("+17038803095", "+15559990005", ScriptedCaller.Keys("1"));

        Assert.True(said.Contains("leave your name"), said);
        Assert.Contains("Your message has been recorded", said);
        Assert.Equal(1L, await fixture.ScalarAsync<long>("select count(*) from call_events where call_sid = $1 and kind = 'message'", result.CallSid));
    }

    [Fact]
    public async Task Constructor_German_CustomerNumber_AndSeverity()
    {
        var (result, said) = await CallAsync("+41525550100", "+41445559999", ScriptedCaller.Keys("2", "200002#", "1"));

        Assert.Contains("For English, press 1.", said);
        Assert.Contains("Für Deutsch, drücken Sie die 2.", said);
        Assert.Contains("Bitte geben Sie Ihre Kundennummer ein", said);
        Assert.Contains("Danke, Alpenbank Digital.", said);
        Assert.Contains(result.OfKind(TranscriptKind.Said), e => e.Language == "de-DE" && e.Voice == "Polly.Vicki");
        Assert.Equal("1", await fixture.ScalarAsync<string>("select vars->>'severity' from calls where call_sid = $1", result.CallSid));
    }

    [Fact]
    public async Task Constructor_Silence_KeepsEnglishAndRepromptsThenGivesThePortal()
    {
        var (_, said) = await CallAsync("+41525550100", "+41445559998", ScriptedCaller.Keys("", "", "", ""));

        Assert.Contains("Please enter your customer number", said);
        Assert.Contains("I didn't hear anything", said);
        Assert.Contains("customer portal", said);
    }
}
