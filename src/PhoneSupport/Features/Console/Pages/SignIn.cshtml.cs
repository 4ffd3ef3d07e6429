using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using PhoneSupport.Features.Hardening;

namespace PhoneSupport.Features.Console.Pages;

[AllowAnonymous]
public sealed class SignInModel(StaffSignIn signIn) : PageModel
{
    /// <summary>The answer to every failed sign-in (unknown user, wrong password, disabled or locked user alike).</summary>
    public const string Failed = "The user name or password is not right, or the user is locked after too many failed sign-ins " +
        "(the lock lifts by itself after a while; an admin can lift it sooner).";

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
        var outcome = await signIn.SignInAsync(UserName, Password, PostgresRateLimiter.AddressKey(HttpContext), ct);
        if (outcome.Principal is { } principal)
        {
            await HttpContext.SignInAsync(ConsoleAuthentication.Scheme, principal);
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) && ReturnUrl!.StartsWith("/console", StringComparison.Ordinal) ? ReturnUrl : "/console");
        }
        Password = null;
        if (outcome.RetryAfter is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            Message = $"Too many failed sign-ins from your network. Try again in {seconds} seconds.";
            Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }
        // One answer for every failure: whether the user exists, is disabled or is locked is not told.
        Message = Failed;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Page();
    }
}
