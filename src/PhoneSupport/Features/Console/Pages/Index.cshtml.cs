using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace PhoneSupport.Features.Console.Pages;

/// <summary><c>/console</c>: each role's home page (anonymous visitors are sent to sign in by the policy).</summary>
public sealed class IndexModel : PageModel
{
    public IActionResult OnGet() => Redirect(User.FindFirstValue(ClaimTypes.Role) switch
    {
        StaffRoles.Technician => "/console/technician",
        StaffRoles.Finance => "/console/finance",
        StaffRoles.Admin => "/console/admin",
        StaffRoles.Manager => "/console/reports",
        _ => "/console/board",
    });
}
