namespace PhoneSupport.Features.Hardening;

/// <summary>
/// Browser hardening headers. On HTML answers (the console): a content security policy that loads everything from
/// this origin only and may not be framed, and a referrer policy. On every answer: <c>nosniff</c>, and outside
/// Development <c>Strict-Transport-Security</c> (TLS ends at the ingress, so the service cannot rely on
/// <c>UseHsts</c>, which only writes the header on HTTPS requests it sees itself). A page that sets its own header keeps it.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next, IWebHostEnvironment environment)
{
    public const string ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";
    public const string ReferrerPolicy = "strict-origin-when-cross-origin";
    public const string StrictTransportSecurity = "max-age=31536000; includeSubDomains";

    private readonly bool _hsts = !environment.IsDevelopment();

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.TryAdd("X-Content-Type-Options", "nosniff");
            if (_hsts) headers.TryAdd("Strict-Transport-Security", StrictTransportSecurity);
            if (context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
            {
                headers.TryAdd("Content-Security-Policy", ContentSecurityPolicy);
                headers.TryAdd("Referrer-Policy", ReferrerPolicy);
                headers.TryAdd("X-Frame-Options", "DENY");
            }
            return Task.CompletedTask;
        });
        return next(context);
    }
}
