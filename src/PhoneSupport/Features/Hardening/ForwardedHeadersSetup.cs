using System.Net;
using IPNetwork = System.Net.IPNetwork;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using PhoneSupport.Configuration;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Hardening;

/// <summary>
/// <c>PhoneSupport:ForwardedHeaders</c>: the proxies whose <c>X-Forwarded-Proto</c>, <c>-For</c> and <c>-Host</c> are
/// believed. TLS ends at the ingress, so without them the console sees plain HTTP and refuses its secure cookies.
/// Each list takes a comma-separated string or an array (<c>KnownNetworks__0</c>, ...). Nothing set: loopback only.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "PhoneSupport:ForwardedHeaders";

    /// <summary>CIDR ranges of trusted proxies (the ingress controller's pod network), e.g. <c>10.244.0.0/16</c>.</summary>
    public List<IPNetwork> KnownNetworks { get; } = [];

    /// <summary>Single trusted proxy addresses.</summary>
    public List<IPAddress> KnownProxies { get; } = [];

    /// <summary>
    /// <c>X-Forwarded-Host</c> values believed (<c>AllowedHosts</c>); default: the host of <c>PhoneSupport:PublicBaseUrl</c>,
    /// so a forged host never reaches a redirect or a link.
    /// </summary>
    public List<string> AllowedHosts { get; } = [];

    /// <summary>Reads the section; a value that is not a CIDR range or an address throws, naming the key.</summary>
    public static ForwardedHeadersSettings Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var settings = new ForwardedHeadersSettings();
        foreach (var value in Values(section.GetSection("KnownNetworks")))
            settings.KnownNetworks.Add(IPNetwork.TryParse(value, out var network)
                ? network
                : throw new OptionsValidationException(Section, typeof(ForwardedHeadersSettings),
                    [$"{Section}:KnownNetworks: '{value}' is not a CIDR range (like 10.244.0.0/16)."]));
        foreach (var value in Values(section.GetSection("KnownProxies")))
            settings.KnownProxies.Add(IPAddress.TryParse(value, out var address)
                ? address
                : throw new OptionsValidationException(Section, typeof(ForwardedHeadersSettings),
                    [$"{Section}:KnownProxies: '{value}' is not an IP address."]));
        settings.AllowedHosts.AddRange(Values(section.GetSection("AllowedHosts")));
        if (settings.AllowedHosts.Count == 0
            && Uri.TryCreate(configuration[$"{PhoneSupportOptions.Section}:PublicBaseUrl"], UriKind.Absolute, out var publicUrl))
            settings.AllowedHosts.Add(publicUrl.IsDefaultPort ? publicUrl.Host : publicUrl.Authority);
        return settings;
    }

    private static IEnumerable<string> Values(IConfigurationSection section) =>
        (section.Value is { } single ? [single] : section.GetChildren().Select(c => c.Value ?? ""))
            .SelectMany(v => v.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>
/// The service behind the shipped ingress (docs/runbook.md, "Behind the ingress"): forwarded headers from known proxies
/// only, the Data Protection key ring shared through PostgreSQL (<see cref="SharedDataProtectionKeys"/>), the console
/// refused cleanly over plain HTTP, and the management endpoints (health, readiness, OpenAPI) kept off proxied requests.
/// Twilio signatures do not depend on any of this: they are checked against <c>PhoneSupport:PublicBaseUrl</c> (decision 006).
/// </summary>
public static class ForwardedHeadersSetup
{
    /// <summary>Paths for the cluster only (probes, operators): never answered to a request that came through a proxy.</summary>
    public static readonly PathString[] ManagementPaths = ["/healthz", "/readyz", "/openapi"];

    public static WebApplicationBuilder AddProxySupport(this WebApplicationBuilder builder)
    {
        var settings = ForwardedHeadersSettings.Read(builder.Configuration);
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // The ingress appends the client it saw; only that last hop is believed (ForwardLimit 1).
            o.ForwardLimit = 1;
            o.RequireHeaderSymmetry = false;
            if (settings.KnownNetworks.Count > 0 || settings.KnownProxies.Count > 0)
            {
                o.KnownIPNetworks.Clear();
                o.KnownProxies.Clear();
                foreach (var network in settings.KnownNetworks) o.KnownIPNetworks.Add(network);
                foreach (var proxy in settings.KnownProxies) o.KnownProxies.Add(proxy);
            }
            o.AllowedHosts = settings.AllowedHosts;
        });
        builder.Services.AddSharedDataProtectionKeys();
        // A startup filter, not app.Use in Program.cs: WebApplication puts authentication and authorization ahead of
        // everything Program.cs adds, and their redirects must already see the forwarded scheme and host.
        builder.Services.AddTransient<IStartupFilter, ProxyStartupFilter>();
        return builder;
    }

    private sealed class ProxyStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            UseProxySupport(app);
            next(app);
        };
    }

    /// <summary>First in the pipeline: everything after it sees the client's scheme, host and address.</summary>
    private static void UseProxySupport(IApplicationBuilder app)
    {
        app.Use((context, next) =>
        {
            // The kubelet's probes reach the pod directly; a request that carries a proxy's headers came through one
            // (the ingress routes none of these paths, this holds even if a rule were added by mistake).
            if (CameThroughAProxy(context.Request.Headers) && ManagementPaths.Any(p => context.Request.Path.StartsWithSegments(p)))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return next(context);
        });
        app.UseForwardedHeaders();
        app.Use(async (context, next) =>
        {
            if (!context.Request.IsHttps && IsConsole(context.Request.Path) && SecureCookies(context))
            {
                // Secure cookies are never sent back over plain HTTP, and antiforgery refuses it: say so instead of a 500.
                await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The console needs HTTPS",
                    detail: "Open the console through its HTTPS address (the ingress). A proxy that ends TLS must be listed in PhoneSupport:ForwardedHeaders.")
                    .ExecuteAsync(context);
                return;
            }
            await next(context);
        });
    }

    private static bool CameThroughAProxy(IHeaderDictionary headers) =>
        headers.ContainsKey("X-Forwarded-For") || headers.ContainsKey("X-Forwarded-Proto") || headers.ContainsKey("X-Forwarded-Host")
        || headers.ContainsKey("Forwarded");

    private static bool IsConsole(PathString path) => path == "/" || path.StartsWithSegments("/console");

    private static bool SecureCookies(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>()
            .Get(AuthenticationNames.ConsoleScheme).Cookie.SecurePolicy == CookieSecurePolicy.Always;
}
