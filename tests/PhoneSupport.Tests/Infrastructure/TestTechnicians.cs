using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Routing;

namespace PhoneSupport.Tests.Infrastructure;

/// <summary>Technicians for routing tests: unique phone numbers, and a private provider so tests never share them.</summary>
public static class TestTechnicians
{
    public static async Task<Technician> CreateAsync(ServiceFixture fixture, string provider, bool available = true, string[]? skills = null, Interval? onCall = null,
        string[]? languages = null)
    {
        using var scope = fixture.Factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
        var now = fixture.Clock.GetCurrentInstant();
        var technician = new Technician(Guid.CreateVersion7(), "Tech " + TestAccounts.UniqueDigits(4), "+1444" + TestAccounts.UniqueDigits(7), [provider], skills ?? [], now - Duration.FromHours(1), languages);
        if (available) technician.SetAvailability(true, now - Duration.FromMinutes(30));
        db.Technicians.Add(technician);
        if (onCall is { } window) db.OnCallWindows.Add(new OnCallWindow(technician.Id, window.Start, window.End));
        await db.SaveChangesAsync();
        return technician;
    }

    /// <summary>Makes every technician of the shipped providers offline, so a test's own technicians are the only candidates.</summary>
    public static Task OfflineAllAsync(ServiceFixture fixture) =>
        fixture.ScalarAsync<int>("with changed as (update technicians set status = 'offline', reserved_call_sid = null, reserved_until = null returning 1) select count(*)::int from changed");
}
