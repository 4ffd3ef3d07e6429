using Microsoft.EntityFrameworkCore;
using PhoneSupport.Features.Accounts;
using PhoneSupport.Features.Admin;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Entitlements;
using PhoneSupport.Features.Routing;

namespace PhoneSupport.Data;

/// <summary>
/// The one EF Core context. Each feature keeps its entities and their <c>IEntityTypeConfiguration</c> in its
/// own folder; the schema itself is owned by the SQL files in <c>Data/Migrations</c>, and a test checks that
/// this model and that schema agree.
/// </summary>
public sealed class PhoneSupportDb(DbContextOptions<PhoneSupportDb> options) : DbContext(options)
{
    public DbSet<Account> Accounts => Set<Account>();
    public DbSet<AccountPhoneNumber> AccountPhoneNumbers => Set<AccountPhoneNumber>();
    public DbSet<AccountUserName> AccountUserNames => Set<AccountUserName>();
    public DbSet<Contract> Contracts => Set<Contract>();
    public DbSet<CallRecord> Calls => Set<CallRecord>();
    public DbSet<CallEventRecord> CallEvents => Set<CallEventRecord>();
    public DbSet<ExamSession> ExamSessions => Set<ExamSession>();
    public DbSet<AllowanceUse> AllowanceUses => Set<AllowanceUse>();
    public DbSet<IdentificationFailure> IdentificationFailures => Set<IdentificationFailure>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Technician> Technicians => Set<Technician>();
    public DbSet<OnCallWindow> OnCallWindows => Set<OnCallWindow>();
    public DbSet<TechnicianEvent> TechnicianEvents => Set<TechnicianEvent>();
    public DbSet<Callback> Callbacks => Set<Callback>();
    public DbSet<CallbackLeg> CallbackLegs => Set<CallbackLeg>();
    public DbSet<Features.Queue.QueueEntry> QueueEntries => Set<Features.Queue.QueueEntry>();
    public DbSet<Features.Billing.Incident> Incidents => Set<Features.Billing.Incident>();
    public DbSet<Features.Billing.IncidentLeg> IncidentLegs => Set<Features.Billing.IncidentLeg>();
    public DbSet<Features.Billing.Charge> Charges => Set<Features.Billing.Charge>();
    public DbSet<Features.Billing.ChargeEvent> ChargeEvents => Set<Features.Billing.ChargeEvent>();
    public DbSet<Features.Billing.IncidentCall> IncidentCalls => Set<Features.Billing.IncidentCall>();
    public DbSet<Features.Billing.BillingJob> BillingJobs => Set<Features.Billing.BillingJob>();
    public DbSet<Features.Billing.StripeEventRecord> StripeEvents => Set<Features.Billing.StripeEventRecord>();
    public DbSet<Features.Billing.Purchase> Purchases => Set<Features.Billing.Purchase>();
    public DbSet<Features.Billing.Quote> Quotes => Set<Features.Billing.Quote>();
    public DbSet<Features.Messages.Message> Messages => Set<Features.Messages.Message>();
    public DbSet<Features.Console.StaffUser> StaffUsers => Set<Features.Console.StaffUser>();
    public DbSet<Features.Sla.SlaRecord> SlaRecords => Set<Features.Sla.SlaRecord>();
    public DbSet<Features.Calls.IncidentNote> IncidentNotes => Set<Features.Calls.IncidentNote>();
    public DbSet<Features.Audit.AuditEntry> AuditLog => Set<Features.Audit.AuditEntry>();
    public DbSet<Features.Closures.ClosureRecord> Closures => Set<Features.Closures.ClosureRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Listed, not scanned: a newcomer sees every mapped table here.
        modelBuilder.ApplyConfiguration(new AccountConfiguration());
        modelBuilder.ApplyConfiguration(new AccountPhoneNumberConfiguration());
        modelBuilder.ApplyConfiguration(new AccountUserNameConfiguration());
        modelBuilder.ApplyConfiguration(new ContractConfiguration());
        modelBuilder.ApplyConfiguration(new CallRecordConfiguration());
        modelBuilder.ApplyConfiguration(new CallEventRecordConfiguration());
        modelBuilder.ApplyConfiguration(new ExamSessionConfiguration());
        modelBuilder.ApplyConfiguration(new AllowanceUseConfiguration());
        modelBuilder.ApplyConfiguration(new IdentificationFailureConfiguration());
        modelBuilder.ApplyConfiguration(new ApiKeyConfiguration());
        modelBuilder.ApplyConfiguration(new TechnicianConfiguration());
        modelBuilder.ApplyConfiguration(new OnCallWindowConfiguration());
        modelBuilder.ApplyConfiguration(new TechnicianEventConfiguration());
        modelBuilder.ApplyConfiguration(new CallbackConfiguration());
        modelBuilder.ApplyConfiguration(new CallbackLegConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Queue.QueueEntryConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Billing.IncidentConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Billing.IncidentLegConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Billing.ChargeConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Billing.ChargeEventConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Billing.IncidentCallConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Billing.BillingJobConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Billing.StripeEventRecordConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Billing.PurchaseConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Messages.MessageConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Billing.QuoteConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Console.StaffUserConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Sla.SlaRecordConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Calls.IncidentNoteConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Audit.AuditEntryConfiguration());
        modelBuilder.ApplyConfiguration(new Features.Closures.ClosureRecordConfiguration());
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Conventions.Add(_ => new SnakeCaseConvention());
    }
}
