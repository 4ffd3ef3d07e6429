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
}
