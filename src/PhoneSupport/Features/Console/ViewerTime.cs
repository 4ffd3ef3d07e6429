using System.Security.Claims;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Console;

/// <summary>
/// The zone the signed-in staff user reads instants in, for the request being rendered. Set per console request (a box in an
/// <see cref="AsyncLocal{T}"/> opened by the console's middleware, filled by <see cref="ViewerZoneFilter"/> once the user is
/// known), so <see cref="ConsoleFormat.Instant(Instant)"/> formats every page's instants in it without each page passing
/// it along. Outside a console request (or before sign-in) there is none, and instants are written in UTC.
/// </summary>
public static class ViewerTime
{
    private sealed class Box
    {
        public DateTimeZone? Zone;
    }

    private static readonly AsyncLocal<Box?> Current = new();

    /// <summary>Opens this request's box (the console middleware, before the page runs).</summary>
    public static void Begin() => Current.Value = new Box();

    public static DateTimeZone? Zone => Current.Value?.Zone;

    public static void Set(DateTimeZone zone)
    {
        if (Current.Value is { } box) box.Zone = zone;
    }
}

/// <summary>
/// Which zone a staff user reads: their own setting (<c>staff_users.time_zone</c>, an IANA id), else — technicians — the
/// zone of their first provider's policy, else the first loaded policy's zone (the provider whose line the service
/// answers first). The setting is validated against the service's tzdb.
/// </summary>
public sealed class ViewerZones(PhoneSupportDb db, Domain.Policies.PolicyCatalog policies)
{
    public static bool IsKnown(string? zoneId) => zoneId is not null && DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId) is not null;

    public static IReadOnlyCollection<string> Ids => DateTimeZoneProviders.Tzdb.Ids;

    public DateTimeZone Default(IEnumerable<string>? providers = null) =>
        (providers ?? []).Select(p => policies.For(p)?.Coverage.Zone).FirstOrDefault(z => z is not null)
        ?? policies.Policies.FirstOrDefault()?.Coverage.Zone ?? DateTimeZone.Utc;

    public async Task<(DateTimeZone Zone, string? Setting)> ForAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id)) return (Default(), null);
        var row = await db.StaffUsers.AsNoTracking().Where(u => u.Id == id)
            .Select(u => new { u.TimeZone, Providers = db.Technicians.Where(t => t.Id == u.TechnicianId).Select(t => t.Providers).FirstOrDefault() })
            .FirstOrDefaultAsync(ct);
        if (row?.TimeZone is { } setting && DateTimeZoneProviders.Tzdb.GetZoneOrNull(setting) is { } zone) return (zone, setting);
        return (Default(row?.Providers), null);
    }

    /// <summary>Stores the user's zone (null: back to the default). False when the id is not a tzdb zone.</summary>
    public async Task<bool> SetAsync(ClaimsPrincipal user, string? zoneId, CancellationToken ct)
    {
        if (zoneId is not null && !IsKnown(zoneId)) return false;
        if (!Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id)) return false;
        var staff = await db.StaffUsers.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (staff is null) return false;
        staff.SetTimeZone(zoneId);
        await db.SaveChangesAsync(ct);
        return true;
    }
}

/// <summary>Fills <see cref="ViewerTime"/> for a signed-in staff user before the page's handler runs (one primary-key read).</summary>
internal sealed class ViewerZoneFilter(ViewerZones zones) : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (context.HttpContext.User.Identity?.IsAuthenticated == true)
            ViewerTime.Set((await zones.ForAsync(context.HttpContext.User, context.HttpContext.RequestAborted)).Zone);
        await next();
    }
}
