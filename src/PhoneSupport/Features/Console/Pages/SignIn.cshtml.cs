using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace PhoneSupport.Features.Console.Pages;

[AllowAnonymous]
public sealed class SignInModel(StaffSignIn signIn) : PageModel
{
    [BindProperty]
    public string? UserName { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Message { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var outcome = await signIn.SignInAsync(UserName, Password, ct);
        if (outcome.Principal is { } principal)
        {
            await HttpContext.SignInAsync(ConsoleAuthentication.Scheme, principal);
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) && ReturnUrl!.StartsWith("/console", StringComparison.Ordinal) ? ReturnUrl : "/console");
        }
        Password = null;
        Message = outcome.LockedUntil is { } until
            ? $"Too many failed sign-ins: this user is locked until {ConsoleFormat.Instant(until)}. Ask an admin if you need in sooner."
            : "The user name or password is not right.";
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Page();
    }
}
