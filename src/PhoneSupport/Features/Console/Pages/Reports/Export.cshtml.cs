using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using PhoneSupport.Features.Reports;

namespace PhoneSupport.Features.Console.Pages.Reports;

/// <summary>The page's range as CSV: the report API's exports (<see cref="ReportsHandler"/>) behind the console's cookie.</summary>
public sealed class ReportExportModel(ReportsHandler reports) : PageModel
{
    public async Task<IActionResult> OnGetAsync(string kind, [FromQuery] string? provider, [FromQuery] string? from, [FromQuery] string? to, CancellationToken ct)
    {
        var query = new ReportQuery(provider, from, to, "day");
        var result = kind == "revenue" ? await reports.RevenueCsvAsync(query, HttpContext, ct) : await reports.ServiceCsvAsync(query, HttpContext, ct);
        await result.ExecuteAsync(HttpContext);
        return new EmptyResult();
    }
}
