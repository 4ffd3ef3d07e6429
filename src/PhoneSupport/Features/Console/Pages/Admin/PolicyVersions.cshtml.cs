using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Platform;
using PhoneSupport.Features.PolicyVersions;

namespace PhoneSupport.Features.Console.Pages.Admin;

/// <summary>
/// Policy versions through the API's handler (decision 018): each provider's versions with their effective instant and
/// status in the viewer's zone, a publish form (YAML and a local date-time read in the viewer's zone) whose errors — with
/// their YAML line numbers — stand next to the field, and withdraw for a version not yet in effect.
/// </summary>
public sealed class PolicyVersionsModel(PolicyVersionsHandler versions, PolicyCatalog policies) : PageModel
{
    public sealed class PublishInput
    {
        public string? Provider { get; set; }
        public string? Yaml { get; set; }
        public string? EffectiveFrom { get; set; }
    }

    [BindProperty]
    public PublishInput Input { get; set; } = new();

    [FromQuery]
    public string? Done { get; set; }

    /// <summary>The provider whose two versions <see cref="From"/> and <see cref="To"/> are compared (the diff between versions).</summary>
    [FromQuery]
    public string? Compare { get; set; }

    [FromQuery]
    public string? From { get; set; }

    [FromQuery]
    public string? To { get; set; }

    /// <summary>What changes from <see cref="From"/> to <see cref="To"/>: rates, hours, holidays, targets, plans (<see cref="PolicyDiff"/>).</summary>
    public PhoneSupport.Features.Admin.PolicyDiffResource? Diff { get; private set; }

    /// <summary>The version compared from: the one asked, else the one before the newest.</summary>
    public string? DefaultFrom(string provider, IReadOnlyList<PolicyVersionResource> items) =>
        Compare == provider && From is not null ? From : items.Count > 1 ? items[^2].Version : null;

    /// <summary>The version compared to: the one asked, else the newest.</summary>
    public string? DefaultTo(string provider, IReadOnlyList<PolicyVersionResource> items) =>
        Compare == provider && To is not null ? To : items.Count > 0 ? items[^1].Version : null;

    public IReadOnlyDictionary<string, IReadOnlyList<PolicyVersionResource>> Versions { get; private set; } = new Dictionary<string, IReadOnlyList<PolicyVersionResource>>();

    public string ZoneName => ConsoleFormat.Zone.Id;

    public string When(string instant) => ConsoleFormat.Instant(ConsoleFormat.ParseInstant(instant));

    public async Task OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        if (Compare is null) return;
        if (policies.Version(Compare, From) is { } before && policies.Version(Compare, To) is { } after)
            Diff = PhoneSupport.Features.Admin.PolicyDiffResource.Of(before, after);
        else
        {
            ModelState.AddModelError("", $"No versions '{From}' and '{To}' of {Compare} to compare.");
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        string? effectiveFrom = null;
        if (!string.IsNullOrWhiteSpace(Input.EffectiveFrom))
        {
            if (Domain.Desk.ReadableTime.ParseInput(Input.EffectiveFrom, ConsoleFormat.Zone) is { } instant) effectiveFrom = InstantPattern.ExtendedIso.Format(instant);
            else ModelState.AddModelError("Input.EffectiveFrom", $"'{Input.EffectiveFrom}' is not a local date and time like 2027-01-01T00:00.");
        }
        if (string.IsNullOrEmpty(Input.Provider) || policies.FromFile(Input.Provider) is null)
            ModelState.AddModelError("Input.Provider", "Choose a provider.");
        if (ModelState.IsValid)
        {
            var result = (await versions.PublishAsync(Input.Provider!, new PublishPolicyVersionRequest(Input.Yaml, effectiveFrom), ct)).Result;
            if (!ConsoleResults.AddTo(result, ModelState, "Input.", ["yaml", "effectiveFrom"]))
                return Redirect($"/console/admin/policies/versions?done={Uri.EscapeDataString($"Version published for {Input.Provider}.")}");
            Response.StatusCode = ConsoleResults.Problem(result)?.Status ?? StatusCodes.Status400BadRequest;
        }
        else Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostWithdrawAsync([FromForm] string provider, [FromForm] string version, CancellationToken ct)
    {
        var result = (await versions.WithdrawAsync(provider ?? "", version ?? "", ct)).Result;
        if (ConsoleResults.AddTo(result, ModelState, "Withdraw."))
        {
            Response.StatusCode = ConsoleResults.Problem(result)?.Status ?? StatusCodes.Status409Conflict;
            await LoadAsync(ct);
            return Page();
        }
        return Redirect($"/console/admin/policies/versions?done={Uri.EscapeDataString($"Version {version} of {provider} withdrawn.")}");
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var all = new Dictionary<string, IReadOnlyList<PolicyVersionResource>>(StringComparer.Ordinal);
        foreach (var provider in policies.Files.Select(p => p.Provider).Order(StringComparer.Ordinal))
            if ((await versions.ListAsync(provider, ct)).Result is Ok<Page<PolicyVersionResource>> ok) all[provider] = ok.Value!.Items;
        Versions = all;
    }
}
