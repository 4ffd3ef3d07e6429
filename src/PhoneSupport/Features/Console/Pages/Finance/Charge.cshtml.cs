using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using PhoneSupport.Features.Admin;
using PhoneSupport.Features.Billing;

namespace PhoneSupport.Features.Console.Pages.Finance;

/// <summary>One charge with its incident, calls, window, rate, steps, consent, Stripe side and audit trail; waive with a reason.</summary>
public sealed class ChargeModel(ChargeQueries queries, ChargesHandler charges) : PageModel
{
    [FromRoute]
    public Guid Id { get; set; }

    [BindProperty]
    public WaiveRequest Waive { get; set; } = new(null);

    [FromQuery(Name = "waived")]
    public bool Done { get; set; }

    public ChargeDetail? Detail { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) =>
        (Detail = await queries.GetAsync(Id, ct)) is null ? NotFound() : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var result = (await charges.WaiveAsync(Id.ToString(), Waive, User.Identity?.Name ?? "console", ct)).Result;
        if (!ConsoleResults.AddTo(result, ModelState, "Waive.", ["reason"])) return Redirect($"/console/finance/charges/{Id}?waived=true");
        if ((Detail = await queries.GetAsync(Id, ct)) is null) return NotFound();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
