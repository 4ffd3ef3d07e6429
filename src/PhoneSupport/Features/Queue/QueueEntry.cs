using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Queue;

/// <summary>Where a queue entry is; stored and written as the member's text (<see cref="StoredText{TEnum}"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<QueueStatus>))]
public enum QueueStatus
{
    [JsonStringEnumMemberName("waiting")] Waiting,
    [JsonStringEnumMemberName("connecting")] Connecting,
    [JsonStringEnumMemberName("connected")] Connected,
    [JsonStringEnumMemberName("left")] Left,
}

/// <summary>A caller holding in the priority queue (table <c>queue_entries</c>), one row per call.</summary>
public sealed class QueueEntry
{
    private QueueEntry() { }

    public QueueEntry(string callSid, string provider, int priority, int severity, bool onCallOnly, Instant now)
    {
        CallSid = callSid;
        Provider = provider;
        Priority = priority;
        Severity = severity;
        OnCallOnly = onCallOnly;
        EnqueuedAt = now;
        Status = QueueStatus.Waiting;
        UpdatedAt = now;
    }

    public string CallSid { get; private set; } = "";
    public string Provider { get; private set; } = "";
    public int Priority { get; private set; }
    public int Severity { get; private set; }
    public bool OnCallOnly { get; private set; }
    public Instant EnqueuedAt { get; private set; }
    public QueueStatus Status { get; set; } = QueueStatus.Waiting;
    public Guid? TechnicianId { get; set; }
    public Instant? CallbackOfferedAt { get; set; }
    public Instant UpdatedAt { get; set; }
}

internal sealed class QueueEntryConfiguration : IEntityTypeConfiguration<QueueEntry>
{
    public void Configure(EntityTypeBuilder<QueueEntry> entry)
    {
        entry.ToTable("queue_entries");
        entry.HasKey(e => e.CallSid);
        entry.Property(e => e.Status).StoredAsText();
        entry.HasIndex(e => new { e.Provider, e.Status, e.Priority, e.Severity, e.EnqueuedAt }).HasDatabaseName("queue_entries_order");
        entry.HasOne<CallCore.CallRecord>().WithMany().HasForeignKey(e => e.CallSid);
        entry.HasOne<Routing.Technician>().WithMany().HasForeignKey(e => e.TechnicianId);
    }
}
