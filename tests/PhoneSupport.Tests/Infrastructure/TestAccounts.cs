using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Accounts;

namespace PhoneSupport.Tests.Infrastructure;

/// <summary>Fresh accounts with unique numbers, so tests sharing one database never see each other's rows.</summary>
public static class TestAccounts
{
    public sealed record Created(Guid AccountId, string AccountNumber, string Phone, Guid? ContractId, string? ContractNumber);

    public static string UniqueDigits(int length = 9) =>
        string.Concat(Guid.NewGuid().ToByteArray().Select(b => (char)('0' + b % 10))).Insert(0, "7")[..length];

    public static async Task<Created> CreateAsync(ServiceFixture fixture, string provider, string membership, LocalDate? contractStartsOn = null, LocalDate? contractEndsOn = null,
        string? stripeCustomer = null)
    {
        using var scope = fixture.Factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
        var number = UniqueDigits();
        var phone = "+1555" + UniqueDigits(7);
        var account = new Account(Guid.CreateVersion7(), provider, $"Test {membership} {number}", membership, number, fixture.Clock.GetCurrentInstant());
        account.AddPhoneNumber(phone);
        account.StripeCustomerId = stripeCustomer;
        Contract? contract = null;
        if (contractStartsOn is { } starts)
            contract = account.AddContract(Guid.CreateVersion7(), UniqueDigits(8), starts, contractEndsOn ?? starts.PlusYears(1).PlusDays(-1), fixture.Clock.GetCurrentInstant());
        db.Accounts.Add(account);
        await db.SaveChangesAsync();
        return new Created(account.Id, number, phone, contract?.Id, contract?.ContractNumber);
    }

    /// <summary>Marks included incidents of the contract year starting at <paramref name="yearStart"/> as used.</summary>
    public static async Task UseIncludedAsync(ServiceFixture fixture, Guid contractId, Instant yearStart, int count)
    {
        for (var i = 0; i < count; i++)
            await fixture.ScalarAsync<int>(
                "insert into allowance_uses (id, contract_id, contract_year_start, call_sid, status, claimed_at, committed_at) values (gen_random_uuid(), $1, $2, $3, 'committed', now(), now()) returning 1",
                contractId, yearStart.ToDateTimeUtc(), "CA" + Guid.NewGuid().ToString("N"));
    }
}
