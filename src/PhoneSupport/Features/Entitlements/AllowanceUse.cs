using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Accounts;

namespace PhoneSupport.Features.Entitlements;

public enum AllowanceStatus { Claimed, Committed, Released }

/// <summary>One included incident of a contract year, claimed by a call (table <c>allowance_uses</c>).</summary>
public sealed class AllowanceUse
{
    private AllowanceUse() { }

    public AllowanceUse(Guid id, Guid contractId, Instant contractYearStart, string callSid, Instant claimedAt)
    {
        Id = id;
        ContractId = contractId;
        ContractYearStart = contractYearStart;
        CallSid = callSid;
        Status = AllowanceStatus.Claimed;
        ClaimedAt = claimedAt;
    }

    public Guid Id { get; private set; }
    public Guid ContractId { get; private set; }
    public Instant ContractYearStart { get; private set; }
    public string CallSid { get; private set; } = "";
    public Guid? IncidentId { get; private set; }
    public AllowanceStatus Status { get; private set; }
    public Instant ClaimedAt { get; private set; }
    public Instant? ReleasedAt { get; private set; }
    public Instant? CommittedAt { get; private set; }

    /// <summary>No technician was ever connected: the incident goes back to the contract year.</summary>
    public bool Release(Instant now)
    {
        if (Status != AllowanceStatus.Claimed) return false;
        Status = AllowanceStatus.Released;
        ReleasedAt = now;
        return true;
    }

    /// <summary>The incident closed: the claim becomes a used incident, exactly once.</summary>
    public bool Commit(Guid? incidentId, Instant now)
    {
        if (Status != AllowanceStatus.Claimed) return false;
        Status = AllowanceStatus.Committed;
        IncidentId = incidentId;
        CommittedAt = now;
        return true;
    }
}

internal sealed class AllowanceUseConfiguration : IEntityTypeConfiguration<AllowanceUse>
{
    public void Configure(EntityTypeBuilder<AllowanceUse> use)
    {
        use.ToTable("allowance_uses");
        use.Property(u => u.Status).HasConversion(s => s.ToString().ToLowerInvariant(), s => Enum.Parse<AllowanceStatus>(s, true));
        use.HasIndex(u => new { u.ContractId, u.ContractYearStart }).HasDatabaseName("allowance_uses_year");
        use.HasIndex(u => u.CallSid).IsUnique().HasFilter("status <> 'released'").HasDatabaseName("allowance_uses_one_live_claim_per_call");
        use.HasOne<Contract>().WithMany().HasForeignKey(u => u.ContractId);
    }
}
