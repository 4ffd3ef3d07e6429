using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace PhoneSupport.Features.Console.Pages;

/// <summary>The signed-in user's own settings: the time zone every instant of the console is shown in (<see cref="ViewerZones"/>).</summary>
public sealed class SettingsModel(ViewerZones zones, NodaTime.IClock clock) : PageModel
{
    public NodaTime.Instant Now { get; } = clock.GetCurrentInstant();

    [BindProperty]
    public string? TimeZone { get; set; }

    [FromQuery(Name = "saved")]
    public bool Saved { get; set; }

    /// <summary>The zone in use now (the setting, or the default when there is none).</summary>
    public string ZoneInUse { get; private set; } = "";

    public bool UsesDefault { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var (zone, setting) = await zones.ForAsync(User, ct);
        (ZoneInUse, UsesDefault, TimeZone) = (zone.Id, setting is null, setting);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var wanted = string.IsNullOrWhiteSpace(TimeZone) ? null : TimeZone.Trim();
        if (await zones.SetAsync(User, wanted, ct)) return Redirect("/console/settings?saved=true");
        ModelState.AddModelError(nameof(TimeZone), $"'{wanted}' is not a time zone this service knows: use an IANA name like America/New_York or Europe/Zurich.");
        var (zone, setting) = await zones.ForAsync(User, ct);
        (ZoneInUse, UsesDefault) = (zone.Id, setting is null);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
