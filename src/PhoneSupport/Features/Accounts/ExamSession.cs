using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Accounts;

/// <summary>A scheduled proctored exam session of an account: near-real-time support while it runs.</summary>
public sealed class ExamSession
{
    private ExamSession() { }

    public ExamSession(Guid id, Guid accountId, Instant startsAt, Instant endsAt, Instant createdAt)
    {
        if (endsAt <= startsAt) throw new ArgumentException("An exam session must end after it starts.", nameof(endsAt));
        Id = id;
        AccountId = accountId;
        StartsAt = startsAt;
        EndsAt = endsAt;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public Guid AccountId { get; private set; }
    public Instant StartsAt { get; private set; }
    public Instant EndsAt { get; private set; }
    public Instant CreatedAt { get; private set; }

    public Interval Interval => new(StartsAt, EndsAt);
}

internal sealed class ExamSessionConfiguration : IEntityTypeConfiguration<ExamSession>
{
    public void Configure(EntityTypeBuilder<ExamSession> session)
    {
        session.ToTable("exam_sessions");
        session.HasIndex(s => new { s.AccountId, s.StartsAt }).HasDatabaseName("exam_sessions_account");
        session.HasOne<Account>().WithMany().HasForeignKey(s => s.AccountId);
    }
}
