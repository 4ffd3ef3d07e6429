using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Accounts;
using PhoneSupport.Features.Console;
using PhoneSupport.Features.Routing;

namespace PhoneSupport.Features.Development;

/// <summary>
/// The demo data set for both providers, loaded by the run command (or <c>POST /dev/demo-data</c>); never
/// by the service on its own. Idempotent: accounts (by provider and number) and technicians (by phone number) already
/// present are left alone, and a TAM is set only on an account that has none. The demo staff users (one per console
/// role) get a fresh generated password at every load, returned so the run command can print it.
/// </summary>
public sealed class DemoData(PhoneSupportDb db, IPasswordHasher<StaffUser> hasher, IClock clock, DemoClockRewind rewind)
{
    public sealed record DemoAccount(string Provider, string Name, string Membership, string AccountNumber, string[] Phones, string[] UserNames, DemoContract? Contract = null);

    public sealed record DemoContract(string Number, LocalDate StartsOn, LocalDate EndsOn);

    /// <summary>An available technician; <paramref name="OnCallDays"/> puts them on call from now for that many days; <paramref name="TamOf"/> is an account number.</summary>
    public sealed record DemoTechnician(string Name, string Phone, string[] Providers, string[] Skills, int OnCallDays = 0, string? TamOf = null, string[]? Languages = null);

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

    /// <summary>Constellix accounts with a card on file in Stripe (the demo's Stripe emulator accepts any customer id).</summary>
    public static readonly IReadOnlyDictionary<string, string> StripeCustomers = new Dictionary<string, string>
    {
        ["100001"] = "cus_DemoAcme0001", ["100004"] = "cus_DemoUmbrella04", ["100002"] = "cus_DemoGlobex0002",
    };

    public static readonly IReadOnlyList<DemoTechnician> Technicians =
    [
        new("Dana Reyes", "+15550200001", ["constellix"], ["sales", "dns"], OnCallDays: 30),
        new("Sam Ortiz", "+15550200002", ["constellix"], ["sales"]),
        new("Lena Huber", "+41445550201", ["constructor"], [], Languages: ["de", "en"]),
        new("Marco Rossi", "+41445550202", ["constructor"], [], TamOf: "200002", Languages: ["de", "en"]),
    ];

    /// <summary>A console user; <paramref name="TechnicianPhone"/> links a technician user to that demo technician.</summary>
    public sealed record DemoStaff(string UserName, string DisplayName, string Role, string? TechnicianPhone = null);

    public static readonly IReadOnlyList<DemoStaff> Staff =
    [
        new("demo.technician", "Dana Reyes", StaffRoles.Technician, "+15550200001"),
        new("demo.finance", "Frances Finance", StaffRoles.Finance),
        new("demo.admin", "Alex Admin", StaffRoles.Admin),
        new("demo.manager", "Morgan Manager", StaffRoles.Manager),
    ];

    public async Task<object> LoadAsync(CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        // State stamped later than this process's clock (an earlier PHONESUPPORT_START_AT than last time) holds nobody.
        var released = await rewind.ReleaseFutureStateAsync(ct);
        var added = new List<string>();
        foreach (var demo in Accounts)
        {
            if (await db.Accounts.FirstOrDefaultAsync(a => a.Provider == demo.Provider && a.AccountNumber == demo.AccountNumber, ct) is { } existing)
            {
                // Loaded by an earlier version of the demo: give it its card on file.
                existing.StripeCustomerId ??= StripeCustomers.GetValueOrDefault(demo.AccountNumber);
                continue;
            }
            var account = new Account(Guid.CreateVersion7(), demo.Provider, demo.Name, demo.Membership, demo.AccountNumber, now);
            foreach (var phone in demo.Phones) account.AddPhoneNumber(phone);
            foreach (var name in demo.UserNames) account.AddUserName(name);
            account.StripeCustomerId = StripeCustomers.GetValueOrDefault(demo.AccountNumber); // the accounts listed with a card on file
            if (demo.Contract is { } c) account.AddContract(Guid.CreateVersion7(), c.Number, c.StartsOn, c.EndsOn, now);
            db.Accounts.Add(account);
            added.Add($"{demo.Provider} {demo.AccountNumber} {demo.Name}");
        }
        foreach (var demo in Technicians)
        {
            if (await db.Technicians.AnyAsync(t => t.PhoneNumber == demo.Phone, ct)) continue;
            var technician = new Technician(Guid.CreateVersion7(), demo.Name, demo.Phone, demo.Providers, demo.Skills, now, demo.Languages);
            technician.SetAvailability(true, now);
            db.Technicians.Add(technician);
            if (demo.OnCallDays > 0) db.OnCallWindows.Add(new OnCallWindow(technician.Id, now, now + Duration.FromDays(demo.OnCallDays)));
            added.Add($"technician {demo.Phone} {demo.Name}");
        }
        await db.SaveChangesAsync(ct);
        foreach (var demo in Technicians.Where(t => t.TamOf is not null))
            await SetTamAsync(demo, ct);
        await db.SaveChangesAsync(ct);
        var staff = await StaffAsync(now, ct);
        return new { added, total = Accounts.Count, technicians = Technicians.Count, staff, released };
    }

    /// <summary>Creates the demo staff users that are missing and gives every one of them a new password (Development only).</summary>
    private async Task<List<object>> StaffAsync(Instant now, CancellationToken ct)
    {
        var credentials = new List<object>();
        foreach (var demo in Staff)
        {
            var technician = demo.TechnicianPhone is { } phone ? await db.Technicians.Where(t => t.PhoneNumber == phone).Select(t => (Guid?)t.Id).FirstOrDefaultAsync(ct) : null;
            if (demo.TechnicianPhone is not null && technician is null) continue;
            var user = await db.StaffUsers.FirstOrDefaultAsync(u => u.UserName == demo.UserName, ct);
            if (user is null)
            {
                user = new StaffUser(Guid.CreateVersion7(), demo.UserName, demo.DisplayName, demo.Role, technician, "", now, "demo data");
                db.StaffUsers.Add(user);
            }
            var password = StaffUsersHandler.NewPassword();
            user.SetPassword(hasher.HashPassword(user, password));
            user.Enable();
            credentials.Add(new { userName = user.UserName, role = user.Role, password });
        }
        await db.SaveChangesAsync(ct);
        return credentials;
    }

    /// <summary>The technician becomes the TAM of the account of their provider numbered <see cref="DemoTechnician.TamOf"/>, when both exist and the account has no TAM.</summary>
    private async Task SetTamAsync(DemoTechnician demo, CancellationToken ct)
    {
        var tam = await db.Technicians.Where(t => t.PhoneNumber == demo.Phone).Select(t => new { t.Id, t.Providers }).FirstOrDefaultAsync(ct);
        if (tam is null) return;
        var account = await db.Accounts.FirstOrDefaultAsync(a => tam.Providers.Contains(a.Provider) && a.AccountNumber == demo.TamOf, ct);
        if (account is { TamTechnicianId: null }) account.TamTechnicianId = tam.Id;
    }
}
