using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Accounts;

namespace PhoneSupport.Features.Development;

/// <summary>
/// The demo data set for both providers, loaded by the run command (or <c>POST /dev/demo-data</c>); never
/// by the service on its own. Idempotent: accounts already present are left alone.
/// </summary>
public sealed class DemoData(PhoneSupportDb db, IClock clock)
{
    public sealed record DemoAccount(string Provider, string Name, string Membership, string AccountNumber, string[] Phones, string[] UserNames, DemoContract? Contract = null);

    public sealed record DemoContract(string Number, LocalDate StartsOn, LocalDate EndsOn);

    public static readonly IReadOnlyList<DemoAccount> Accounts =
    [
        new("constellix", "Acme Corporation", "Corporate", "100001", ["+15550100001"], ["acme.admin", "jane.doe"],
            new DemoContract("5550001", new LocalDate(2026, 1, 15), new LocalDate(2027, 1, 14))),
        new("constellix", "Umbrella Networks", "Corporate", "100004", ["+15550100004"], ["umbrella.ops"],
            new DemoContract("5550004", new LocalDate(2024, 2, 29), new LocalDate(2028, 2, 28))),
        new("constellix", "Globex Hosting", "Business", "100002", ["+15550100002"], ["globex"]),
        new("constellix", "Initech Web", "SmallBusiness", "100003", ["+15550100003"], ["initech"]),
        new("constructor", "Helvetia Exams AG", "Proctored", "200001", ["+41445550101"], []),
        new("constructor", "Alpenbank Digital", "Premier", "200002", ["+41445550102"], []),
        new("constructor", "Zürich Software GmbH", "Standard", "200003", ["+41445550103"], []),
    ];

    public async Task<object> LoadAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var added = new List<string>();
        foreach (var demo in Accounts)
        {
            if (await db.Accounts.AnyAsync(a => a.Provider == demo.Provider && a.AccountNumber == demo.AccountNumber, ct)) continue;
            var account = new Account(Guid.CreateVersion7(), demo.Provider, demo.Name, demo.Membership, demo.AccountNumber, now);
            foreach (var phone in demo.Phones) account.AddPhoneNumber(phone);
            foreach (var name in demo.UserNames) account.AddUserName(name);
            if (demo.Contract is { } c) account.AddContract(Guid.CreateVersion7(), c.Number, c.StartsOn, c.EndsOn, now);
            db.Accounts.Add(account);
            added.Add($"{demo.Provider} {demo.AccountNumber} {demo.Name}");
        }
        await db.SaveChangesAsync(ct);
        return new { added, total = Accounts.Count };
    }
}
