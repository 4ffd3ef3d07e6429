using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using PhoneSupport.Features.Admin;

namespace PhoneSupport.Features.Console.Pages.Finance;

/// <summary>The filtered charges as CSV: the finance API's export (<see cref="ChargesHandler.CsvAsync"/>) behind the console's cookie.</summary>
public sealed class ExportModel(ChargesHandler charges) : PageModel
{
    public async Task<IActionResult> OnGetAsync([FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? account, [FromQuery] string? status, CancellationToken ct)
    {
        var result = await charges.CsvAsync(FinanceModel.Query(from, to, account, status, null, null), HttpContext, ct);
        await result.ExecuteAsync(HttpContext);
        return new EmptyResult();
    }
}
