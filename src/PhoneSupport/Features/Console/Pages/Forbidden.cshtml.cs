using Microsoft.AspNetCore.Mvc.RazorPages;

namespace PhoneSupport.Features.Console.Pages;

/// <summary>Where a signed-in user lands when a page belongs to another role: answered 403 (behind the staff policy, so the menu shows).</summary>
public sealed class ForbiddenModel : PageModel
{
    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
