using System.Reflection;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace PhoneSupport.Features.Console;

/// <summary>
/// The staff web console: Razor Pages under <c>/console</c> (pages in <c>Features/Console/Pages</c>), signed in with a
/// cookie (<see cref="ConsoleAuthentication"/>), one folder per role. Plain HTML and one stylesheet and one small
/// script served from the assembly: no front-end build step.
/// </summary>
public static class ConsoleFeature
{
    public static WebApplicationBuilder AddConsole(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ConsoleOptions.Section).Get<ConsoleOptions>() ?? new ConsoleOptions();
        builder.Services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section)
            .Validate(o => o.LockoutFailures > 0 && o.LockoutFor > TimeSpan.Zero && o.SessionIdle > TimeSpan.Zero && o.RefreshEvery >= TimeSpan.FromSeconds(1),
                "PhoneSupport:Console: LockoutFailures, LockoutFor and SessionIdle must be positive, RefreshEvery at least one second.")
            .ValidateOnStart();
        builder.Services.AddConsoleAuthentication(options, options.SecureCookies ?? !builder.Environment.IsDevelopment());
        builder.Services.AddRazorPages(pages =>
        {
            pages.RootDirectory = "/Features/Console/Pages";
            pages.Conventions.AuthorizeFolder("/Technician", ConsolePolicies.Technician);
            pages.Conventions.AuthorizeFolder("/Finance", ConsolePolicies.Finance);
            pages.Conventions.AuthorizeFolder("/Admin", ConsolePolicies.Admin);
            pages.Conventions.AuthorizeFolder("/Reports", ConsolePolicies.Reports);
            pages.Conventions.AuthorizeFolder("/Board", ConsolePolicies.Staff);
            pages.Conventions.AuthorizeFolder("/Calls", ConsolePolicies.Staff);
            pages.Conventions.AuthorizePage("/Settings", ConsolePolicies.Staff);
            pages.Conventions.AuthorizePage("/Index", ConsolePolicies.Staff);
            pages.Conventions.AuthorizePage("/SignOut", ConsolePolicies.Staff);
            pages.Conventions.AuthorizePage("/Forbidden", ConsolePolicies.Staff);
        });
        builder.Services.AddScoped<StaffSignIn>();
        builder.Services.AddScoped<StaffUsersHandler>();
        builder.Services.AddScoped<TechnicianDesk>();
        builder.Services.AddScoped<LiveBoard>();
        builder.Services.AddScoped<ViewerZones>();
        builder.Services.Configure<Microsoft.AspNetCore.Mvc.MvcOptions>(mvc => mvc.Filters.Add<ViewerZoneFilter>());
        return builder;
    }

    public static WebApplication MapConsole(this WebApplication app)
    {
        app.UseWhen(context => IsConsole(context.Request.Path), console => console.Use(async (context, next) =>
        {
            ViewerTime.Begin();
            context.Response.OnStarting(() =>
            {
                SecurityHeaders(context.Response.Headers);
                return Task.CompletedTask;
            });
            await next();
        }));
        app.MapGet("/", () => Results.Redirect("/console")).ExcludeFromDescription();
        app.MapGet("/console/assets/{name}", (string name) => Asset(name)).ExcludeFromDescription();
        app.MapRazorPages();
        return app;
    }

    /// <summary>The console's own pages and assets (and <c>/</c>, which sends visitors there).</summary>
    private static bool IsConsole(PathString path) => path == "/" || path.StartsWithSegments("/console");

    /// <summary>
    /// The console-specific header only: its pages and exports hold customer data, so no cache keeps them. The browser
    /// hardening every HTML answer gets (CSP with <c>frame-ancestors 'none'</c>, <c>nosniff</c>, <c>Referrer-Policy</c>,
    /// <c>X-Frame-Options</c>) comes from <see cref="Hardening.SecurityHeadersMiddleware"/>; the console needs nothing
    /// beyond it (no inline script or style, everything from this origin).
    /// </summary>
    internal static void SecurityHeaders(IHeaderDictionary headers) => headers.TryAdd("Cache-Control", "no-store");

    private static readonly Dictionary<string, (byte[] Bytes, string Type)> Assets = LoadAssets();

    private static IResult Asset(string name) =>
        Assets.TryGetValue(name, out var asset) ? Results.Bytes(asset.Bytes, asset.Type) : Results.NotFound();

    private static Dictionary<string, (byte[], string)> LoadAssets()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var assets = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("console/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource["console/".Length..];
            assets[name] = (copy.ToArray(), name.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
        }
        return assets;
    }
}
