using PhoneSupport.Domain.Billing;

namespace PhoneSupport.Domain.Tests.Billing;

public sealed class ChargeStatusTests
{
    [Theory]
    [InlineData("pending", "posted", true)]
    [InlineData("posted", "invoiced", true)]
    [InlineData("invoiced", "paid", true)]
    [InlineData("failed", "paid", true)]        // a failed invoice can still be paid
    [InlineData("paid", "failed", false)]       // a late payment_failed never undoes paid
    [InlineData("paid", "invoiced", false)]     // a late finalized neither
    [InlineData("failed", "invoiced", false)]
    [InlineData("paid", "refunded", true)]
    [InlineData("waived", "voided", false)]     // finance's word is last
    [InlineData("waived", "refunded", false)]
    [InlineData("paid", "paid", false)]         // the same state twice is no move
    public void CanMove_OnlyForward(string from, string to, bool expected) => Assert.Equal(expected, ChargeStatus.CanMove(from, to));

    [Theory]
    [InlineData("invoice.finalized", "invoiced")]
    [InlineData("invoice.paid", "paid")]
    [InlineData("invoice.payment_failed", "failed")]
    [InlineData("invoice.marked_uncollectible", "failed")]
    [InlineData("invoice.voided", "voided")]
    [InlineData("charge.refunded", "refunded")]
    [InlineData("invoice.created", null)]
    [InlineData("customer.updated", null)]
    public void ForStripeEvent_MapsTheEventsBillingFollows(string type, string? status) => Assert.Equal(status, ChargeStatus.ForStripeEvent(type));

    [Fact]
    public void Rank_OfAnUnknownStatus_Throws() => Assert.Throws<ArgumentException>(() => ChargeStatus.Rank("lost"));
}
