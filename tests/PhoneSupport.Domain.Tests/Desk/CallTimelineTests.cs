using NodaTime;
using PhoneSupport.Domain.Desk;

namespace PhoneSupport.Domain.Tests.Desk;

public sealed class CallTimelineTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 7, 1, 14, 0);
    private static readonly IReadOnlyDictionary<string, string?> None = new Dictionary<string, string?>();

    private static TimelineEntry E(int seconds, string kind, TimelineSource source, long sequence) =>
        new(T0 + Duration.FromSeconds(seconds), kind, source, sequence, None);

    [Fact]
    public void Merge_OrdersByInstant_ThenSource_ThenTheSourcesOwnOrder()
    {
        var merged = CallTimeline.Merge([
            E(30, "charge", TimelineSource.Charge, 1),
            E(10, "reserved", TimelineSource.Technician, 7),
            E(10, "decision", TimelineSource.CallEvent, 12),
            E(10, "webhook", TimelineSource.CallEvent, 11),
            E(0, "step", TimelineSource.CallEvent, 3),
            E(30, "incidentClosed", TimelineSource.Incident, 0),
        ]);

        Assert.Equal(["step", "webhook", "decision", "reserved", "incidentClosed", "charge"], merged.Select(e => e.Kind));
    }

    [Fact]
    public void Merge_TheSameFactReadTwice_AppearsOnce()
    {
        var merged = CallTimeline.Merge([E(5, "leg", TimelineSource.CallbackLeg, 1), E(5, "leg", TimelineSource.CallbackLeg, 1), E(5, "leg", TimelineSource.CallbackLeg, 2)]);

        Assert.Equal(2, merged.Count);
    }

    [Fact]
    public void Merge_Empty_IsEmpty() => Assert.Empty(CallTimeline.Merge([]));

    [Fact]
    public void Dispositions_AreKnownByTheirApiNames_AndReadAsWords()
    {
        Assert.True(Dispositions.IsKnown("followUp"));
        Assert.False(Dispositions.IsKnown("follow_up"));
        Assert.False(Dispositions.IsKnown(null));
        Assert.Equal("no fault found", Dispositions.Words(Dispositions.NoFaultFound));
        Assert.Equal("resolved", Dispositions.Words(Dispositions.Resolved));
    }
}
