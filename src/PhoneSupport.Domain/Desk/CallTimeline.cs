using NodaTime;

namespace PhoneSupport.Domain.Desk;

/// <summary>
/// Where a timeline entry was read from. The order of the members is the order of entries at one instant: the call's
/// own event log first (one webhook's events share its instant and keep their log order), then what the call caused —
/// technician state, queue, callbacks and their legs, SLA clock, message, incident, charges — then people's notes.
/// </summary>
public enum TimelineSource
{
    CallEvent,
    Technician,
    Queue,
    Callback,
    CallbackLeg,
    Sla,
    Message,
    Incident,
    Charge,
    Note,
}

/// <summary>
/// One fact of a call's history: when, what kind (<c>step</c>, <c>input</c>, <c>decision</c>, <c>reserved</c>, <c>leg</c>,
/// <c>queued</c>, <c>callbackScheduled</c>, <c>incidentOpened</c>, <c>charge</c>, …), the rest as named values.
/// <see cref="Sequence"/> is the row's order in its own source (an identity or a position), used only to break ties.
/// </summary>
public sealed record TimelineEntry(Instant At, string Kind, TimelineSource Source, long Sequence, IReadOnlyDictionary<string, string?> Data);

/// <summary>A call's history read from several tables, merged into one order.</summary>
public static class CallTimeline
{
    /// <summary>
    /// Orders entries by instant; at the same instant by <see cref="TimelineSource"/> (the call's own log, then its
    /// consequences, then notes), then by their order in their source. Entries that are the same fact read twice (same
    /// source, kind, instant and sequence) appear once.
    /// </summary>
    public static IReadOnlyList<TimelineEntry> Merge(IEnumerable<TimelineEntry> entries) =>
        [.. entries
            .DistinctBy(e => (e.Source, e.Kind, e.At, e.Sequence))
            .OrderBy(e => e.At)
            .ThenBy(e => e.Source)
            .ThenBy(e => e.Sequence)
            .ThenBy(e => e.Kind, StringComparer.Ordinal)];
}
