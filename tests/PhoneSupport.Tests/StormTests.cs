using PhoneSupport.Storm;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests;

/// <summary>A reduced storm on every test run (the full one is the harness command in the README).</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class StormTests(ServiceFixture fixture)
{
    [Fact]
    public async Task ReducedStorm_ThreeInstancesOneDatabase_KeepsEveryInvariant()
    {
        var log = new StringWriter();

        var report = await StormRunner.RunAsync(new StormOptions(Callers: 30, Technicians: 8, Instances: 3, DeclineEvery: 5), fixture.Server, log);

        Assert.True(report.Holds, report.ToString());
        Assert.Equal(30, report.Connected + report.Queued + report.CallbackPromised);
        Assert.True(report.Connected > 0 && report.CallbackPromised > 0, report.ToString());
        Assert.Equal(0, report.DoubleReservations);
        Assert.Equal(0, report.CallbacksDialledTwice);
    }
}

/// <summary>A reduced billing fault run on every test run (the full one — 500 charges — is the harness command in the README).</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class BillingFaultTests(ServiceFixture fixture)
{
    [Fact]
    public async Task StripeFailing30PercentOfRequests_EveryChargeIsPostedExactlyOnce_AcrossThreeInstances()
    {
        var report = await BillingFaultRunner.RunAsync(new BillingFaultOptions(Charges: 40, FailureRate: 0.3, Instances: 3, Timeout: TimeSpan.FromMinutes(3)),
            fixture.Server, new StringWriter());

        Assert.True(report.Holds, report.ToString());
        Assert.True(report.FaultsInjected > 0, report.ToString());
        Assert.Equal(40, report.PostedOnce);
    }
}
