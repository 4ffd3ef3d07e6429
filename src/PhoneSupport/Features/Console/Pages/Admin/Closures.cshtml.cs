using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Closures;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Console.Pages.Admin;

/// <summary>
/// Run-time closures (an office party, a storm) through the API's handler: listed in each provider's local time, added with
/// local date-times read in the provider's zone, deleted while they have not ended.
/// </summary>
public sealed class ClosuresModel(ClosuresHandler closures, PolicyCatalog policies) : PageModel
{

    public sealed class ClosureInput
    {
        public string? Provider { get; set; }
        public string? Name { get; set; }
        public string? Start { get; set; }
        public string? End { get; set; }
    }

    [BindProperty]
    public ClosureInput Input { get; set; } = new();

    [FromQuery]
    public string? Done { get; set; }

    public IReadOnlyList<ClosureResource> Items { get; private set; } = [];

    public IReadOnlyList<SupportPolicy> Providers => [.. policies.Policies.OrderBy(p => p.Provider, StringComparer.Ordinal)];

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var zone = Input.Provider is null ? null : policies.FromFile(Input.Provider)?.Coverage.Zone;
        var start = ToInstant(Input.Start, zone, "Input.Start");
        var end = ToInstant(Input.End, zone, "Input.End");
        if (ModelState.IsValid)
        {
            var result = (await closures.CreateAsync(new CreateClosureRequest(Input.Provider, start, end, Input.Name), ct)).Result;
            if (!ConsoleResults.AddTo(result, ModelState, "Input.", ["provider", "name", "start", "end"]))
                return Redirect($"/console/admin/closures?done={Uri.EscapeDataString($"Closure '{Input.Name?.Trim()}' added.")}");
        }
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync([FromForm] Guid id, CancellationToken ct)
    {
        var result = (await closures.DeleteAsync(id.ToString(), ct)).Result;
        if (ConsoleResults.AddTo(result, ModelState, "Delete."))
        {
            Response.StatusCode = StatusCodes.Status409Conflict;
            await LoadAsync(ct);
            return Page();
        }
        return Redirect($"/console/admin/closures?done={Uri.EscapeDataString("Closure deleted.")}");
    }

    /// <summary>A closure's start or end in its provider's local time, with the zone's abbreviation.</summary>
    public string LocalText(string provider, string instant)
    {
        var zone = policies.FromFile(provider)?.Coverage.Zone ?? DateTimeZone.Utc;
        var zoned = InstantPattern.ExtendedIso.Parse(instant).Value.InZone(zone);
        return $"{zoned.LocalDateTime:ddd d MMM yyyy HH:mm} {zoned.GetZoneInterval().Name}";
    }

    private string? ToInstant(string? text, DateTimeZone? zone, string key)
    {
        if (string.IsNullOrWhiteSpace(text)) return null; // the handler names the missing field
        if (Domain.Desk.ReadableTime.ParseInput(text, zone ?? DateTimeZone.Utc) is not { } instant)
        {
            ModelState.AddModelError(key, $"'{text}' is not a local date and time like 2026-12-24T13:00.");
            return null;
        }
        if (zone is null) return text; // the handler refuses the provider
        return InstantPattern.ExtendedIso.Format(instant);
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        if ((await closures.ListAsync(null, ct)).Result is Ok<Page<ClosureResource>> ok) Items = ok.Value!.Items;
    }
}
