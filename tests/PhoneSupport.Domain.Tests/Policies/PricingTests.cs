using FsCheck;
using FsCheck.Fluent;
using NodaTime;
using PhoneSupport.Domain.Policies;
using static PhoneSupport.Domain.Tests.Policies.ShippedPolicies;

namespace PhoneSupport.Domain.Tests.Policies;

public sealed class PricingTests
{
    private static BillingRule Billing => Constellix.Billing;

    private static ContractTerms Contract => Constellix.Plan("Corporate")!.Contract!;

    private static Money Usd(long cents) => new(cents, "usd");

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(29 * 60 + 59, 1)]
    [InlineData(30 * 60, 1)]
    [InlineData(30 * 60 + 1, 2)]
    [InlineData(40 * 60, 2)]
    [InlineData(60 * 60, 2)]
    [InlineData(60 * 60 + 1, 3)]
    [InlineData(2 * 3600, 4)]
    [InlineData(2 * 3600 + 40 * 60, 6)]
    public void Steps_TalkTime_RoundsUpToStartedHalfHoursMinimumOne(int seconds, int steps)
    {
        Assert.Equal(steps, Billing.Steps(Duration.FromSeconds(seconds)));
    }

    [Fact]
    public void Price_IncludedIncidentOf2h40m_Bills40MinutesOverAs120Dollars()
    {
        var talk = Duration.FromHours(2) + Duration.FromMinutes(40);
        var over = talk - Contract.IncludedTalkPerIncident;

        var price = Billing.Price(Usd(Contract.RatesPerHour[Window.Night]), over);

        Assert.Equal(Duration.FromMinutes(40), over);
        Assert.Equal(2, Billing.Steps(over));
        Assert.Equal(Usd(12000), price);
        Assert.Equal("120 dollars", price.Spoken());
    }

    [Fact]
    public void Price_ThirdNightIncidentOf40Minutes_Is120Dollars()
    {
        var price = Billing.Price(Usd(Contract.RatesPerHour[Window.Night]), Duration.FromMinutes(40));

        Assert.Equal(Usd(12000), price);
    }

    [Fact]
    public void Price_HolidayIncident10MinutesBeyondAllowance_IsOneStepAt260DollarsPerHour()
    {
        var over = Duration.FromHours(2) + Duration.FromMinutes(10) - Contract.IncludedTalkPerIncident;

        var price = Billing.Price(Usd(Contract.RatesPerHour[Window.Holiday]), over);

        Assert.Equal(Usd(13000), price);
        Assert.Equal("130 dollars", price.Spoken());
    }

    [Theory]
    [InlineData(12000, 6000)]
    [InlineData(26000, 13000)]
    [InlineData(8500, 4250)]
    [InlineData(19000, 9500)]
    [InlineData(29000, 14500)]
    public void StepPrice_HourlyRate_IsHalfTheRate(long ratePerHour, long perStep)
    {
        Assert.Equal(Usd(perStep), Billing.StepPrice(Usd(ratePerHour)));
    }

    [Theory]
    [InlineData("Business")]
    [InlineData("SmallBusiness")]
    public void Price_PurchaseOptions_MatchTheBusinessRateInSteps(string planName)
    {
        var plan = Constellix.Plan(planName)!;

        Assert.All(plan.PurchaseOptions, option =>
            Assert.Equal(option.Price, Billing.Price(Usd(plan.RatesPerHour[Window.Business]), Duration.FromMinutes(option.Minutes)).Amount));
    }

    [Theory]
    [InlineData(12000, "usd", "120 dollars")]
    [InlineData(4250, "usd", "42 dollars and 50 cents")]
    [InlineData(26000, "usd", "260 dollars")]
    [InlineData(100, "usd", "1 dollar")]
    [InlineData(405, "usd", "4 dollars and 5 cents")]
    [InlineData(8550, "chf", "85 francs and 50 centimes")]
    [InlineData(0, "usd", "0 dollars")]
    public void Spoken_Amount_ReadsWholeUnitsAndCents(long amount, string currency, string spoken)
    {
        Assert.Equal(spoken, new Money(amount, currency).Spoken());
    }

    [Fact]
    public void Add_DifferentCurrencies_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => Usd(100) + new Money(100, "chf"));
        Assert.Equal(Usd(300), Usd(100) + Usd(200));
        Assert.Equal(Usd(18000), Usd(6000) * 3);
    }

    [Fact]
    public void Steps_RandomTalkTimes_CoverTheTalkWithLessThanOneStepToSpare()
    {
        var property = Prop.ForAll(Gen.Choose(1, 10 * 3600).ToArbitrary(), seconds =>
        {
            var talk = Duration.FromSeconds(seconds);
            var steps = Billing.Steps(talk);
            var charged = Billing.Step * steps;
            return charged >= talk && charged - talk < Billing.Step
                && Billing.Price(Usd(12000), talk) == Usd(6000 * steps);
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), property);
    }
}
