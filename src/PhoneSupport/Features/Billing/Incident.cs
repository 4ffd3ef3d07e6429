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
    /// <summary>Set when a technician attached this incident's call to an earlier incident of the same account.</summary>
    public Guid? MergedIntoId { get; private set; }

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

    /// <summary>Its call now counts towards <paramref name="target"/>: this incident is no longer billed on its own.</summary>
    public void MergeInto(Guid target)
    {
        if (target == Id) throw new InvalidOperationException("An incident cannot be merged into itself.");
        Status = "merged";
        MergedIntoId = target;
        Version++;
    }
}

/// <summary>A bridged technician leg of an incident (its Twilio sid counts once).</summary>
public sealed record IncidentLeg(string LegSid, Guid IncidentId, string CallSid, int Seconds, string Source, Instant At);

internal sealed class IncidentConfiguration : IEntityTypeConfiguration<Incident>
{
    public void Configure(EntityTypeBuilder<Incident> incident)
    {
        incident.ToTable("incidents");
        incident.Property(i => i.Version).IsConcurrencyToken();
        incident.HasIndex(i => i.CallSid).IsUnique().HasDatabaseName("incidents_call_sid_key");
        incident.HasIndex(i => new { i.AccountId, i.OpenedAt }).HasDatabaseName("incidents_account");
        incident.HasOne<Accounts.Account>().WithMany().HasForeignKey(i => i.AccountId);
        incident.HasOne<Accounts.Contract>().WithMany().HasForeignKey(i => i.ContractId);
        incident.HasOne<CallCore.CallRecord>().WithMany().HasForeignKey(i => i.CallSid);
        incident.HasOne<Incident>().WithMany().HasForeignKey(i => i.MergedIntoId);
    }
}

/// <summary>A call attached by a technician to an earlier incident of the same account (table <c>incident_calls</c>).</summary>
public sealed record IncidentCall(string CallSid, Guid IncidentId, string AttachedBy, Instant AttachedAt);

internal sealed class IncidentCallConfiguration : IEntityTypeConfiguration<IncidentCall>
{
    public void Configure(EntityTypeBuilder<IncidentCall> call)
    {
        call.ToTable("incident_calls");
        call.HasKey(c => c.CallSid);
        call.HasIndex(c => c.IncidentId).HasDatabaseName("incident_calls_incident");
        call.HasOne<CallCore.CallRecord>().WithMany().HasForeignKey(c => c.CallSid);
        call.HasOne<Incident>().WithMany().HasForeignKey(c => c.IncidentId);
    }
}

internal sealed class IncidentLegConfiguration : IEntityTypeConfiguration<IncidentLeg>
{
    public void Configure(EntityTypeBuilder<IncidentLeg> leg)
    {
        leg.ToTable("incident_legs");
        leg.HasKey(l => l.LegSid);
        leg.HasIndex(l => l.IncidentId).HasDatabaseName("incident_legs_incident");
        leg.HasOne<Incident>().WithMany().HasForeignKey(l => l.IncidentId);
    }
}
