using NodaTime;
using PhoneSupport.Domain.Billing;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Domain.Tests.Policies;

public sealed class IncidentBillingTests
{
    private static readonly BillingRule HalfHours = new(Duration.FromMinutes(30), 1);
    private static readonly Money Night = new(12000, "usd");
    private static readonly Money Holiday = new(26000, "usd");

    [Theory]
    [InlineData(160, 1, 40, 2, 12000)] // included incident of 2 h 40 min: 40 min over, 2 steps, $120.00
    [InlineData(120, 0, 0, 0, 0)]      // exactly the included 2 hours: nothing to pay
    [InlineData(121, 1, 1, 1, 6000)]   // one minute over: one started step
    public void Price_IncludedIncident_ChargesOnlyTheTimeBeyondTwoHours(int talkMinutes, int parts, int billedMinutes, int steps, long amount)
    {
        var bill = IncidentBilling.Price(HalfHours, Decision.LiveRouteUsingIncluded, Window.Night, Night, Duration.FromHours(2), Duration.FromMinutes(talkMinutes));

        Assert.Equal(parts, bill.Count);
        if (parts == 0) return;
        Assert.Equal((IncidentBilling.BeyondIncluded, Duration.FromMinutes(billedMinutes), steps, new Money(amount, "usd")), (bill[0].Kind, bill[0].Billed, bill[0].Steps, bill[0].Amount));
    }

    [Fact]
    public void Price_ThirdNightIncidentOf40Minutes_Is120Dollars()
    {
        var part = Assert.Single(IncidentBilling.Price(HalfHours, Decision.LiveRouteWithPrice, Window.Night, Night, null, Duration.FromMinutes(40)));

        Assert.Equal((2, new Money(12000, "usd")), (part.Steps, part.Amount));
    }

    [Fact]
    public void Price_HolidayTenMinutesBeyondTheAllowance_Is130Dollars()
    {
        var part = Assert.Single(IncidentBilling.Price(HalfHours, Decision.LiveRouteWithPrice, Window.Holiday, Holiday, null, Duration.FromMinutes(10)));

        Assert.Equal((1, new Money(13000, "usd"), Window.Holiday), (part.Steps, part.Amount, part.Window));
    }

    [Theory]
    [InlineData(Decision.LiveRoute)]
    [InlineData(Decision.Callback)]
    public void Price_UnpricedDecisions_ChargeNothing(Decision decision) =>
        Assert.Empty(IncidentBilling.Price(HalfHours, decision, Window.Business, Night, null, Duration.FromMinutes(50)));

    [Theory]
    [InlineData(20, 1, 4250)]       // a 30-minute block used for 20 minutes: the block, nothing more
    [InlineData(40, 2, 4250)]       // 10 minutes beyond it: one step at $85/h
    [InlineData(95, 2, 12750)]      // 65 minutes beyond it: three steps
    public void Price_BoughtBlock_ChargesTheBlockAndTheTimeBeyondItAtTheSameRate(int talkMinutes, int parts, long beyond)
    {
        var block = new PurchasedBlock(Duration.FromMinutes(30), new Money(4250, "usd"));

        var bill = IncidentBilling.Price(HalfHours, Decision.PurchaseRequired, Window.Business, new Money(8500, "usd"), null, Duration.FromMinutes(talkMinutes), block);

        Assert.Equal(parts, bill.Count);
        Assert.Equal((IncidentBilling.Purchased, new Money(4250, "usd"), 1), (bill[0].Kind, bill[0].Amount, bill[0].Steps));
        if (parts == 2) Assert.Equal((IncidentBilling.BeyondPurchased, new Money(beyond, "usd")), (bill[1].Kind, bill[1].Amount));
    }

    [Fact]
    public void Price_AcceptedQuote_BillsTheTalkAtTheQuotedRateInSteps()
    {
        var part = Assert.Single(IncidentBilling.Price(HalfHours, Decision.QuoteRequired, Window.Weekend, new Money(19000, "usd"), null, Duration.FromMinutes(35)));

        Assert.Equal((IncidentBilling.Quoted, 2, new Money(19000, "usd")), (part.Kind, part.Steps, part.Amount));
    }

    [Fact]
    public void Price_PurchaseRequiredWithoutABoughtBlock_ChargesNothing()
    {
        Assert.Empty(IncidentBilling.Price(HalfHours, Decision.PurchaseRequired, Window.Business, new Money(8500, "usd"), null, Duration.FromMinutes(40)));
    }
}
