using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace PhoneSupport.Features.Console.Pages;

/// <summary>
/// Sign-out is a POST (with the antiforgery token), so no link or image elsewhere can sign anyone out. Behind the staff
/// policy: the antiforgery token belongs to the signed-in user, so the page must see them to check it.
/// </summary>
public sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => Redirect("/console");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(ConsoleAuthentication.Scheme);
        return Page();
    }
}
