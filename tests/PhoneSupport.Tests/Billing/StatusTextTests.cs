using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PhoneSupport.Data;
using PhoneSupport.Domain.Billing;
using PhoneSupport.Features.Billing;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Callbacks;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Billing;

/// <summary>
/// The charge, billing job and callback statuses are enums in code and the same text everywhere else: in their columns
/// (through EF string converters, so raw SQL keeps its literals), in JSON and in what <c>Wire()</c> gives the API and CSV.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class StatusTextTests(ServiceFixture fixture)
{
    [Fact]
    public void ChargeState_TextIsTheDomainOrder()
    {
        Assert.Equal(ChargeStatus.Order, Enum.GetValues<ChargeState>().Select(s => s.Wire()));
        foreach (var status in Enum.GetValues<ChargeState>()) Assert.Equal(status, BillingStatuses.ParseCharge(status.Wire()));
    }

    [Theory]
    [InlineData(BillingJobStatus.Pending, "pending")]
    [InlineData(BillingJobStatus.Done, "done")]
    [InlineData(BillingJobStatus.Cancelled, "cancelled")]
    [InlineData(BillingJobStatus.Failed, "failed")]
    public void BillingJobStatus_HasItsColumnText(BillingJobStatus status, string text)
    {
        Assert.Equal(text, status.Wire());
        Assert.Equal(status, BillingStatuses.ParseJob(text));
    }

    [Theory]
    [InlineData(CallbackStatus.Scheduled, "scheduled")]
    [InlineData(CallbackStatus.Dialing, "dialing")]
    [InlineData(CallbackStatus.Completed, "completed")]
    [InlineData(CallbackStatus.Missed, "missed")]
    [InlineData(CallbackStatus.Cancelled, "cancelled")]
    public void CallbackStatus_HasItsColumnText(CallbackStatus status, string text)
    {
        Assert.Equal(text, status.Wire());
        Assert.Equal(status, CallbackStatuses.Parse(text));
    }

    [Theory]
    [InlineData("Paid")]
    [InlineData("PAID")]
    [InlineData("4")]
    [InlineData("")]
    [InlineData(null)]
    public void ChargeStatusText_OtherSpellingsAndNumbers_AreNotStatuses(string? text) => Assert.False(BillingStatuses.TryParseCharge(text, out _));

    [Theory]
    [InlineData("Dialing")]
    [InlineData("1")]
    [InlineData("dialling")]
    public void CallbackStatusText_OtherSpellingsAndNumbers_AreNotStatuses(string text)
    {
        Assert.False(CallbackStatuses.TryParse(text, out _));
        Assert.Throws<FormatException>(() => CallbackStatuses.Parse(text));
    }

    [Fact]
    public void Statuses_SerializeToJson_AsTheirText() =>
        Assert.Equal("""{"charge":"refunded","job":"cancelled","callback":"dialing"}""",
            JsonSerializer.Serialize(new { charge = ChargeState.Refunded, job = BillingJobStatus.Cancelled, callback = CallbackStatus.Dialing }));

    [Fact]
    public async Task CallbackStatus_IsStoredAsItsText_AndQueriedThroughTheConverter()
    {
        var now = fixture.Clock.GetCurrentInstant();
        var callSid = "CA" + Guid.NewGuid().ToString("N");
        var callback = new Callback(Guid.CreateVersion7(), "constellix", null, callSid, "+15550109999", "status text test", 3, now + NodaTime.Duration.FromHours(2),
            now + NodaTime.Duration.FromHours(1), coverageOnly: false, now);
        using (var scope = fixture.Factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
            db.Callbacks.Add(callback);
            await db.SaveChangesAsync();
        }
        Assert.Equal("scheduled", await fixture.ScalarAsync<string>("select status from callbacks where id = $1", callback.Id));

        await fixture.ScalarAsync<int>("update callbacks set status = 'cancelled', version = version + 1 where id = $1 returning 1", callback.Id);
        using (var scope = fixture.Factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
            var read = await db.Callbacks.AsNoTracking().SingleAsync(c => c.Id == callback.Id);
            Assert.Equal(CallbackStatus.Cancelled, read.Status);
            Assert.Equal(1, await db.Callbacks.CountAsync(c => c.Id == callback.Id && c.Status == CallbackStatus.Cancelled));
            Assert.Equal(0, await db.Callbacks.CountAsync(c => c.Id == callback.Id && c.Status != CallbackStatus.Cancelled));
        }
    }
}
