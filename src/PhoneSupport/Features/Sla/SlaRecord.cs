using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.CallCore;

namespace PhoneSupport.Features.Sla;

/// <summary>How the first human contact of an SLA record came about; stored as the member's text (<see cref="StoredText{TEnum}"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SlaContact>))]
public enum SlaContact
{
    /// <summary>A technician accepted the call's whisper (live, or out of the queue).</summary>
    [JsonStringEnumMemberName("live")] Live,

    /// <summary>The customer leg of the call's callback was bridged to the technician.</summary>
    [JsonStringEnumMemberName("callback")] Callback,
}

/// <summary>
/// The response target of one call of a plan with <c>targets</c> (table <c>sla_records</c>), keyed by the call that was
/// answered and decided. It exists from the decision on, so a call that ends queued or with a callback promise keeps one
/// too; the incident of that call (<see cref="Billing.Incident.CallSid"/>, which a callback joins) is its incident. The
/// clock started when the call was answered (the instant the IVR decided at).
/// </summary>
public sealed class SlaRecord
{
    private SlaRecord() { }

    public SlaRecord(string callSid, string provider, Guid? accountId, string plan, int severity, string target, string clock,
        Instant startedAt, Instant dueAt, string policyVersion, Instant now)
    {
        CallSid = callSid;
        Provider = provider;
        AccountId = accountId;
        Plan = plan;
        Severity = severity;
        Target = target;
        Clock = clock;
        StartedAt = startedAt;
        DueAt = dueAt;
        PolicyVersion = policyVersion;
        UpdatedAt = now;
    }

    public string CallSid { get; private set; } = "";
    public string Provider { get; private set; } = "";
    public Guid? AccountId { get; private set; }
    public string Plan { get; private set; } = "";
    public int Severity { get; private set; }

    /// <summary>ISO-8601 duration as the policy writes it (<c>PT4H</c>; <c>P1D</c> = business days on the coverage clock).</summary>
    public string Target { get; private set; } = "";

    /// <summary><c>24x7</c> or <c>coverage</c>.</summary>
    public string Clock { get; private set; } = "";
    public Instant StartedAt { get; private set; }
    public Instant DueAt { get; private set; }
    public Instant? FirstContactAt { get; private set; }
    public SlaContact? FirstContact { get; private set; }

    /// <summary>Stored with the first contact; <see cref="MetAt"/> also answers for a record overdue without one.</summary>
    public bool? Met { get; private set; }
    public string PolicyVersion { get; private set; } = "";
    public Instant UpdatedAt { get; private set; }

    public ClockKind ClockKind => SlaRecordRules.ParseClock(Clock) ?? ClockKind.Wall;

    /// <summary>Met, missed, or not known yet at <paramref name="now"/>.</summary>
    public bool? MetAt(Instant now) => SlaRecordRules.Met(DueAt, FirstContactAt, now);
}

internal sealed class SlaRecordConfiguration : IEntityTypeConfiguration<SlaRecord>
{
    public void Configure(EntityTypeBuilder<SlaRecord> sla)
    {
        sla.ToTable("sla_records");
        sla.HasKey(s => s.CallSid);
        sla.Ignore(s => s.ClockKind);
        sla.Property(s => s.FirstContact).StoredAsText();
        sla.HasIndex(s => s.DueAt).HasFilter("first_contact_at is null").HasDatabaseName("sla_records_open_due");
        sla.HasOne<CallCore.CallRecord>().WithMany().HasForeignKey(s => s.CallSid);
        sla.HasOne<Accounts.Account>().WithMany().HasForeignKey(s => s.AccountId);
    }
}

/// <summary>The <c>sla</c> of an incident in the API.</summary>
public sealed record SlaResource(int Severity, string Target, string Clock, string DueAt, string? FirstContactAt, bool? Met)
{
    public static SlaResource Of(SlaRecord record, Instant now) => new(record.Severity, record.Target, record.Clock,
        Platform.AdminFormats.Format(record.DueAt), record.FirstContactAt is { } at ? Platform.AdminFormats.Format(at) : null, record.MetAt(now));
}
