using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Billing;

/// <summary>An incident: opened when a customer is first connected to a technician, closed when its calls end.</summary>
public sealed class Incident
{
    private Incident() { }

    public Incident(Guid id, string provider, Guid? accountId, Guid? contractId, string callSid, string decision, string window, string policyVersion, Instant openedAt)
    {
        Id = id;
        Provider = provider;
        AccountId = accountId;
        ContractId = contractId;
        CallSid = callSid;
        Decision = decision;
        Window = window;
        PolicyVersion = policyVersion;
        OpenedAt = openedAt;
        Status = "open";
    }

    public Guid Id { get; private set; }
    public string Provider { get; private set; } = "";
    public Guid? AccountId { get; private set; }
    public Guid? ContractId { get; private set; }
    public string CallSid { get; private set; } = "";
    public string Decision { get; private set; } = "";
    public string Window { get; private set; } = "";
    public string PolicyVersion { get; private set; } = "";
    public Instant OpenedAt { get; private set; }
    public Instant? ClosedAt { get; private set; }
    public int TalkSeconds { get; private set; }
    public string Status { get; private set; } = "open";
    public int Version { get; private set; }

    public void Close(int talkSeconds, Instant now)
    {
        TalkSeconds = talkSeconds;
        ClosedAt = now;
        Status = "closed";
        Version++;
    }

    /// <summary>A callback or an attached call added talk time: open again until it is re-priced.</summary>
    public void Reopen()
    {
        Status = "open";
        Version++;
    }
}

/// <summary>A bridged technician leg of an incident (its Twilio sid counts once).</summary>
public sealed record IncidentLeg(string LegSid, Guid IncidentId, string CallSid, int Seconds, string Source, Instant At);

/// <summary>A billable part of a closed incident.</summary>
public sealed class Charge
{
    private Charge() { }

    public Charge(Guid id, Guid incidentId, Guid? accountId, string kind, string window, long ratePerHour, string currency,
        int billedSeconds, int steps, long amount, long? consentEventId, string policyVersion, string? statusReason, Instant now)
    {
        Id = id;
        IncidentId = incidentId;
        AccountId = accountId;
        Kind = kind;
        Window = window;
        RatePerHour = ratePerHour;
        Currency = currency;
        BilledSeconds = billedSeconds;
        Steps = steps;
        Amount = amount;
        ConsentEventId = consentEventId;
        PolicyVersion = policyVersion;
        Status = "pending";
        StatusReason = statusReason;
        CreatedAt = now;
        UpdatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public Guid? AccountId { get; private set; }
    public string Kind { get; private set; } = "";
    public string Window { get; private set; } = "";
    public long RatePerHour { get; private set; }
    public string Currency { get; private set; } = "";
    public int BilledSeconds { get; private set; }
    public int Steps { get; private set; }
    public long Amount { get; private set; }
    public long? ConsentEventId { get; private set; }
    public string PolicyVersion { get; private set; } = "";
    public string Status { get; private set; } = "pending";
    public string? StatusReason { get; private set; }
    public Instant CreatedAt { get; private set; }
    public Instant UpdatedAt { get; private set; }
}

internal sealed class IncidentConfiguration : IEntityTypeConfiguration<Incident>
{
    public void Configure(EntityTypeBuilder<Incident> incident)
    {
        incident.ToTable("incidents");
        incident.Property(i => i.OpenedAt).HasConversion<InstantConverter>();
        incident.Property(i => i.ClosedAt).HasConversion<InstantConverter>();
        incident.Property(i => i.Version).IsConcurrencyToken();
        incident.HasIndex(i => i.CallSid).IsUnique().HasDatabaseName("incidents_call_sid_key");
        incident.HasIndex(i => new { i.AccountId, i.OpenedAt }).HasDatabaseName("incidents_account");
        incident.HasOne<Accounts.Account>().WithMany().HasForeignKey(i => i.AccountId);
        incident.HasOne<Accounts.Contract>().WithMany().HasForeignKey(i => i.ContractId);
        incident.HasOne<Voice.CallRecord>().WithMany().HasForeignKey(i => i.CallSid);
    }
}

internal sealed class IncidentLegConfiguration : IEntityTypeConfiguration<IncidentLeg>
{
    public void Configure(EntityTypeBuilder<IncidentLeg> leg)
    {
        leg.ToTable("incident_legs");
        leg.HasKey(l => l.LegSid);
        leg.Property(l => l.At).HasConversion<InstantConverter>();
        leg.HasIndex(l => l.IncidentId).HasDatabaseName("incident_legs_incident");
        leg.HasOne<Incident>().WithMany().HasForeignKey(l => l.IncidentId);
    }
}

internal sealed class ChargeConfiguration : IEntityTypeConfiguration<Charge>
{
    public void Configure(EntityTypeBuilder<Charge> charge)
    {
        charge.ToTable("charges");
        charge.Property(c => c.CreatedAt).HasConversion<InstantConverter>();
        charge.Property(c => c.UpdatedAt).HasConversion<InstantConverter>();
        charge.HasIndex(c => new { c.IncidentId, c.Kind }).IsUnique().HasDatabaseName("charges_incident_kind_key");
        charge.HasIndex(c => new { c.AccountId, c.CreatedAt }).HasDatabaseName("charges_account");
        charge.HasOne<Incident>().WithMany().HasForeignKey(c => c.IncidentId);
        charge.HasOne<Accounts.Account>().WithMany().HasForeignKey(c => c.AccountId);
        charge.HasOne<Voice.CallEventRecord>().WithMany().HasForeignKey(c => c.ConsentEventId);
    }
}
