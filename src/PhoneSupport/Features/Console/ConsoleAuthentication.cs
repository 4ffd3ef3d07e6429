using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Console;

/// <summary>The console's authorization policies; each authenticates with the console cookie only.</summary>
public static class ConsolePolicies
{
    /// <summary>Any signed-in staff user (the live board).</summary>
    public const string Staff = "console:staff";

    /// <summary>Technician users (linked to a technician): their own state, calls and the callback queue.</summary>
    public const string Technician = "console:technician";

    /// <summary>Finance and admin, as the API's finance policy.</summary>
    public const string Finance = "console:finance";

    /// <summary>Admin only.</summary>
    public const string Admin = "console:admin";

    /// <summary>The Reports page: admin, manager and finance (as the report API).</summary>
    public const string Reports = "console:reports";
}

/// <summary>
/// A second authentication scheme beside the API keys: a cookie for people using the console. The API's policies
/// name the API-key scheme and the console's name this one, and neither is the default, so a console cookie never
/// authenticates an <c>/api</c> request and a Bearer key never opens a console page.
/// </summary>
public static class ConsoleAuthentication
{
    public const string Scheme = AuthenticationNames.ConsoleScheme;

    /// <summary>
    /// With secure cookies (<see cref="ConsoleOptions.SecureCookies"/>), <c>__Host-</c> names: Secure, path /, no domain, so
    /// no sibling host can set or read them. Over plain HTTP (Development) the same cookies without the prefix.
    /// </summary>
    public static string CookieName(bool secure) => (secure ? "__Host-" : "") + "phonesupport-console";

    public static string AntiforgeryCookieName(bool secure) => (secure ? "__Host-" : "") + "phonesupport-csrf";

    public static IServiceCollection AddConsoleAuthentication(this IServiceCollection services, ConsoleOptions options, bool secure)
    {
        var policy = secure ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        services.AddScoped<IPasswordHasher<StaffUser>, PasswordHasher<StaffUser>>();
        services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = CookieName(secure);
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SecurePolicy = policy;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.Path = "/";
            cookie.LoginPath = "/console/sign-in";
            cookie.LogoutPath = "/console/sign-out";
            cookie.AccessDeniedPath = "/console/forbidden";
            cookie.ReturnUrlParameter = "returnUrl";
            cookie.ExpireTimeSpan = options.SessionIdle;
            cookie.SlidingExpiration = true;
            // A session's idle time is the browser's real time (its cookie's dates are read by the browser too), not the
            // service's time source that a demo or a test moves by days (decision 016).
            cookie.TimeProvider = TimeProvider.System;
            cookie.Events.OnValidatePrincipal = async context =>
            {
                // Disabled users and changed passwords end existing sessions at their next request.
                var signIn = context.HttpContext.RequestServices.GetRequiredService<StaffSignIn>();
                if (context.Principal is null || !await signIn.IsCurrentAsync(context.Principal, context.HttpContext.RequestAborted))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(Scheme);
                }
            };
        });
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = AntiforgeryCookieName(secure);
            antiforgery.Cookie.SecurePolicy = policy;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.Path = "/";
            antiforgery.HeaderName = "X-CSRF-TOKEN";
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(ConsolePolicies.Staff, p => p.AddAuthenticationSchemes(Scheme).RequireRole(StaffRoles.All))
            .AddPolicy(ConsolePolicies.Technician, p => p.AddAuthenticationSchemes(Scheme).RequireRole(StaffRoles.Technician).RequireClaim(StaffSignIn.TechnicianClaim))
            .AddPolicy(ConsolePolicies.Finance, p => p.AddAuthenticationSchemes(Scheme).RequireRole(StaffRoles.Admin, StaffRoles.Finance))
            .AddPolicy(ConsolePolicies.Admin, p => p.AddAuthenticationSchemes(Scheme).RequireRole(StaffRoles.Admin))
            .AddPolicy(ConsolePolicies.Reports, p => p.AddAuthenticationSchemes(Scheme).RequireRole(StaffRoles.Admin, StaffRoles.Manager, StaffRoles.Finance));
        return services;
    }
}
