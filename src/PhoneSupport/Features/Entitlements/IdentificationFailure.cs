using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Entitlements;

/// <summary>A wrong identity number keyed by a caller (table <c>identification_failures</c>).</summary>
public sealed class IdentificationFailure
{
    private IdentificationFailure() { }

    public IdentificationFailure(string provider, string callerNumber, string callSid, Instant at)
    {
        Provider = provider;
        CallerNumber = callerNumber;
        CallSid = callSid;
        At = at;
    }

    public long Id { get; private set; }
    public string Provider { get; private set; } = "";
    public string CallerNumber { get; private set; } = "";
    public string CallSid { get; private set; } = "";
    public Instant At { get; private set; }
}

internal sealed class IdentificationFailureConfiguration : IEntityTypeConfiguration<IdentificationFailure>
{
    public void Configure(EntityTypeBuilder<IdentificationFailure> failure)
    {
        failure.ToTable("identification_failures");
        failure.Property(f => f.Id).UseIdentityAlwaysColumn();
        failure.HasIndex(f => new { f.Provider, f.CallerNumber, f.At }).HasDatabaseName("identification_failures_lookup");
    }
}
