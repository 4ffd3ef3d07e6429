using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Identity;

namespace PhoneSupport.Features.Accounts;

/// <summary>A customer account of one provider, with the numbers and user names that identify its callers.</summary>
public sealed class Account
{
    private readonly List<AccountPhoneNumber> _phoneNumbers = [];
    private readonly List<AccountUserName> _userNames = [];
    private readonly List<Contract> _contracts = [];

    private Account() { }

    public Account(Guid id, string provider, string name, string membership, string accountNumber, Instant createdAt)
    {
        Id = id;
        Provider = provider;
        Name = name;
        Membership = membership;
        AccountNumber = accountNumber;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public string Provider { get; private set; } = "";
    public string Name { get; private set; } = "";
    public string Membership { get; private set; } = "";
    public string AccountNumber { get; private set; } = "";
    public string? StripeCustomerId { get; set; }
    public Guid? TamTechnicianId { get; set; }
    public Instant CreatedAt { get; private set; }

    /// <summary>Bumped by every edit; the ETag of the account (optimistic concurrency, <c>If-Match</c>).</summary>
    public int Revision { get; private set; } = 1;

    /// <summary>A retired account (false) stays for its history; its callers hear the non-member path.</summary>
    public bool Active { get; private set; } = true;
    public IReadOnlyList<AccountPhoneNumber> PhoneNumbers => _phoneNumbers;
    public IReadOnlyList<AccountUserName> UserNames => _userNames;
    public IReadOnlyList<Contract> Contracts => _contracts;

    public void AddPhoneNumber(string e164) => _phoneNumbers.Add(new AccountPhoneNumber(Id, Provider, e164));

    public void AddUserName(string userName) =>
        _userNames.Add(new AccountUserName(Id, Provider, userName, Domain.Identity.UserNames.Normalize(userName)));

    /// <summary>Applies an edit (null: unchanged) and bumps <see cref="Revision"/>.</summary>
    public void Edit(string? name, string? membership, bool? active)
    {
        if (name is not null) Name = name;
        if (membership is not null) Membership = membership;
        if (active is { } a) Active = a;
        Revision++;
    }

    /// <summary>Replaces the phone numbers (the rows whose numbers stay are kept).</summary>
    public void ReplacePhoneNumbers(IReadOnlyCollection<string> phones)
    {
        _phoneNumbers.RemoveAll(p => !phones.Contains(p.PhoneNumber));
        foreach (var phone in phones.Where(p => _phoneNumbers.All(x => x.PhoneNumber != p)).ToList()) AddPhoneNumber(phone);
    }

    /// <summary>Replaces the user names (the rows whose names stay are kept).</summary>
    public void ReplaceUserNames(IReadOnlyCollection<string> names)
    {
        _userNames.RemoveAll(u => !names.Contains(u.UserName));
        foreach (var name in names.Where(n => _userNames.All(x => x.UserName != n)).ToList()) AddUserName(name);
    }

    public Contract AddContract(Guid id, string contractNumber, LocalDate startsOn, LocalDate endsOn, Instant createdAt)
    {
        var contract = new Contract(id, Id, contractNumber, startsOn, endsOn, createdAt);
        _contracts.Add(contract);
        return contract;
    }
}

public sealed record AccountPhoneNumber(Guid AccountId, string Provider, string PhoneNumber);

public sealed record AccountUserName(Guid AccountId, string Provider, string UserName, string Normalized);

/// <summary>A Dedicated Phone Support Contract of a Corporate account; <see cref="EndsOn"/> is inclusive.</summary>
public sealed class Contract
{
    private Contract() { }

    public Contract(Guid id, Guid accountId, string contractNumber, LocalDate startsOn, LocalDate endsOn, Instant createdAt)
    {
        Id = id;
        AccountId = accountId;
        ContractNumber = contractNumber;
        StartsOn = startsOn;
        EndsOn = endsOn;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public Guid AccountId { get; private set; }
    public string ContractNumber { get; private set; } = "";
    public LocalDate StartsOn { get; private set; }
    public LocalDate EndsOn { get; private set; }
    public Instant CreatedAt { get; private set; }

    /// <summary>Bumped by every edit; the ETag of the contract.</summary>
    public int Revision { get; private set; } = 1;

    /// <summary>Renew, shorten or end: new dates (null: unchanged); <see cref="Revision"/> bumped.</summary>
    public void Edit(LocalDate? startsOn, LocalDate? endsOn)
    {
        if (startsOn is { } s) StartsOn = s;
        if (endsOn is { } e) EndsOn = e;
        Revision++;
    }
}

internal sealed class AccountConfiguration : IEntityTypeConfiguration<Account>
{
    public void Configure(EntityTypeBuilder<Account> account)
    {
        account.ToTable("accounts");
        account.Property(a => a.Revision).IsConcurrencyToken();
        account.HasIndex(a => new { a.Provider, a.AccountNumber }).IsUnique().HasDatabaseName("accounts_provider_account_number_key");
        account.HasMany(a => a.PhoneNumbers).WithOne().HasForeignKey(p => p.AccountId);
        account.HasMany(a => a.UserNames).WithOne().HasForeignKey(u => u.AccountId);
        account.HasMany(a => a.Contracts).WithOne().HasForeignKey(c => c.AccountId);
        account.Navigation(a => a.PhoneNumbers).UsePropertyAccessMode(PropertyAccessMode.Field);
        account.Navigation(a => a.UserNames).UsePropertyAccessMode(PropertyAccessMode.Field);
        account.Navigation(a => a.Contracts).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}

internal sealed class AccountPhoneNumberConfiguration : IEntityTypeConfiguration<AccountPhoneNumber>
{
    public void Configure(EntityTypeBuilder<AccountPhoneNumber> phone)
    {
        phone.ToTable("account_phone_numbers");
        phone.HasKey(p => new { p.AccountId, p.PhoneNumber });
        phone.HasIndex(p => new { p.Provider, p.PhoneNumber }).IsUnique().HasDatabaseName("account_phone_numbers_provider_phone_key");
    }
}

internal sealed class AccountUserNameConfiguration : IEntityTypeConfiguration<AccountUserName>
{
    public void Configure(EntityTypeBuilder<AccountUserName> name)
    {
        name.ToTable("account_user_names");
        name.HasKey(u => new { u.AccountId, u.UserName });
        name.HasIndex(u => new { u.Provider, u.Normalized }).HasDatabaseName("account_user_names_lookup");
    }
}

internal sealed class ContractConfiguration : IEntityTypeConfiguration<Contract>
{
    public void Configure(EntityTypeBuilder<Contract> contract)
    {
        contract.ToTable("contracts");
        contract.Property(c => c.Revision).IsConcurrencyToken();
        contract.HasIndex(c => c.ContractNumber).IsUnique().HasDatabaseName("contracts_contract_number_key");
        contract.HasIndex(c => c.AccountId).HasDatabaseName("contracts_account");
    }
}
