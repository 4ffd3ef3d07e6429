using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Domain.Tests.Calls;
using PhoneSupport.Domain.Tests.Flows;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;

namespace PhoneSupport.Domain.Tests.Policies;

/// <summary>
/// Every key the policy parser accepts is read: <c>sales.business</c>/<c>sales.afterHours</c> drive decideSales,
/// <c>phoneNumbers</c> turns keyed national numbers into E.164, <c>identification.maxTriesPerCall</c> bounds a call's
/// wrong identifications across its collect steps.
/// </summary>
public sealed class PolicyKeysTests
{
    private static SupportPolicy Constellix(string from, string to)
    {
        var text = Text(ConstellixFile);
        Assert.Contains(from, text, StringComparison.Ordinal);
        var (policy, errors) = PolicyParser.Parse(ConstellixFile, text.Replace(from, to, StringComparison.Ordinal));
        Assert.Empty(errors);
        return policy!;
    }

    [Fact]
    public void DecideSales_FollowsTheShippedAfterHoursMessage()
    {
        Assert.Equal(Decision.LiveRoute, EntitlementEngine.DecideSales(ShippedPolicies.Constellix, Eastern(2026, 7, 1, 10, 0)).Decision);
        var night = EntitlementEngine.DecideSales(ShippedPolicies.Constellix, Eastern(2026, 7, 1, 22, 0));
        Assert.Equal(Decision.NotCovered, night.Decision);
        Assert.Contains("A message is returned within", night.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DecideSales_AfterHoursLive_RoutesTheOnCallSalesRotaAtNightAndOnHolidays()
    {
        var policy = Constellix("afterHours: message", "afterHours: live");

        var night = EntitlementEngine.DecideSales(policy, Eastern(2026, 7, 1, 22, 0));
        var holiday = EntitlementEngine.DecideSales(policy, Eastern(2026, 7, 3, 11, 0)); // Independence Day observed (Friday)

        Assert.Equal(SalesOffer.Live, policy.Sales!.AfterHours);
        Assert.Equal((Decision.LiveRoute, Window.Night, true, "sales"), (night.Decision, night.Window, night.Routing.OnCallOnly, night.Routing.Skill));
        Assert.Equal((Decision.LiveRoute, Window.Holiday), (holiday.Decision, holiday.Window));
    }

    [Fact]
    public void DecideSales_BusinessMessage_TakesAMessageInBusinessHours()
    {
        var policy = Constellix("  business: live\n", "  business: message\n");

        var day = EntitlementEngine.DecideSales(policy, Eastern(2026, 7, 1, 10, 0));

        Assert.Equal((Decision.NotCovered, Window.Business), (day.Decision, day.Window));
        Assert.Contains("takes messages", day.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownSalesOfferOrBadPhoneNumbers_ReportsTheLine()
    {
        var text = Text(ConstellixFile).Replace("afterHours: message", "afterHours: voicemail", StringComparison.Ordinal)
            .Replace("countryCode: \"1\"", "countryCode: \"01\"", StringComparison.Ordinal);
        var lines = text.Split('\n');

        var (policy, errors) = PolicyParser.Parse(ConstellixFile, text);

        Assert.Null(policy);
        Assert.Contains(errors, e => e.Line == Array.FindIndex(lines, l => l.Contains("voicemail", StringComparison.Ordinal)) + 1
            && e.Message.Contains("sales.afterHours: 'voicemail' must be live or message", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == Array.FindIndex(lines, l => l.Contains("\"01\"", StringComparison.Ordinal)) + 1
            && e.Message.Contains("countryCode '01'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("7035550123", "+17035550123")]
    [InlineData("17035550123", "+17035550123")]
    [InlineData("+44 20 7946 0018", "+442079460018")]
    [InlineData("0044 20 7946 0018", "+442079460018")]
    public void ToE164_ShippedConstellixRule_TakesTenDigitsAsNorthAmerican(string keyed, string expected) =>
        Assert.Equal(expected, PhoneNumbers.ToE164(keyed, ShippedPolicies.Constellix.PhoneNumbers));

    [Theory]
    [InlineData("021 234 5678", "+64212345678")]   // trunk 0 + 9 national digits
    [InlineData("64212345678", "+64212345678")]    // led by the country code
    [InlineData("00 1 703 555 0123", "+17035550123")]
    [InlineData("7035550123", "+7035550123")]      // ten digits are not national on this line: read as international
    public void ToE164_TrunkPrefixRule_AddsTheCountryCode(string keyed, string expected) =>
        Assert.Equal(expected, PhoneNumbers.ToE164(keyed, new NationalNumbers("64", 9, "0")));

    [Fact]
    public void ToE164_WithoutARule_NeverGuessesACountry()
    {
        Assert.Null(ShippedPolicies.Constructor.PhoneNumbers);
        Assert.Equal("+7035550123", PhoneNumbers.ToE164("7035550123", null));
        Assert.Null(PhoneNumbers.ToE164("0445550101", null));
    }

    [Fact]
    public void MaxTriesPerCall_BoundsWrongNamesAndNumbersAcrossTheCall()
    {
        // Constellix: maxTriesPerCall 3. Two unknown user names (the step's maxAttempts), then one wrong account number
        // ends identification although the account step itself allows three tries.
        var call = new CallDriver(ShippedFlows.Constellix);
        call.Start();
        call.Press("3");
        Assert.Equal("member-user-name", call.Session.StepId);
        call.Say("nobody here");
        call.Say("still nobody");
        Assert.Equal("member-account-number", call.Session.StepId);

        var result = call.Press("999999");

        Assert.Equal(3, ShippedPolicies.Constellix.Identification.MaxTriesPerCall);
        Assert.Equal("ticket-goodbye", result.Session.StepId);
        Assert.Equal("3", result.Session.Var("identificationTries"));
        Assert.Contains(result.Events, e => e.Kind == "attemptsExhausted" && e.Data.GetValueOrDefault("identificationTries") == "3");
        Assert.Contains(new FactRequest.CallPolicy("constellix"), call.Requests);
    }

    [Fact]
    public void MaxTriesPerCall_FromThePolicy_CutsAStepShorterThanItsMaxAttempts()
    {
        // A provider allowing one try per call: the contract step's three attempts shrink to one.
        var call = new CallDriver(ShippedFlows.Constellix with { Provider = "oneshot" }) { MaxIdentificationTries = 1 };
        call.Start();
        call.Press("2");

        var result = call.Press("12345");

        Assert.Equal("ticket-goodbye", result.Session.StepId);
        Assert.Single(call.Lookups);
    }
}
