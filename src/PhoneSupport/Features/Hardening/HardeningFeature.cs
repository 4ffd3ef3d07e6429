using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PhoneSupport.Features.Hardening;

/// <summary>
/// Rate limits shared through PostgreSQL (per caller number on new calls, per API key on <c>/api</c>), request body
/// limits per path, and browser security headers. See docs/runbook.md.
/// </summary>
public static class HardeningFeature
{
    public static WebApplicationBuilder AddHardening(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.FailureWindow >= TimeSpan.FromSeconds(1) && o.FailureWindow <= o.KeepFor,
                "PhoneSupport:RateLimits:FailureWindow must be at least a second and at most PhoneSupport:RateLimits:KeepFor.")
            .ValidateOnStart();
        services.AddOptions<RequestLimitOptions>().BindConfiguration(RequestLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<PostgresRateLimiter>();
        services.AddHostedService<RateLimitCleanupService>();
        services.TryAddSingleton(TimeProvider.System);

        // Kestrel's own ceiling is the largest per-path limit; the middleware lowers it per request.
        var limits = builder.Configuration.GetSection(RequestLimitOptions.Section).Get<RequestLimitOptions>() ?? new RequestLimitOptions();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = Math.Max(limits.TwilioBytes, Math.Max(limits.StripeBytes, limits.DefaultBytes)));
        services.Configure<FormOptions>(o =>
        {
            o.MultipartBodyLengthLimit = limits.DefaultBytes;
            o.BufferBodyLengthLimit = Math.Max(limits.TwilioBytes, limits.DefaultBytes);
        });
        return builder;
    }

    /// <summary>Security headers and body limits, ahead of every endpoint.</summary>
    public static WebApplication UseHardening(this WebApplication app)
    {
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseMiddleware<RequestSizeLimitMiddleware>();
        return app;
    }

    /// <summary>Counts new calls per caller number (after the group's signature check).</summary>
    public static RouteHandlerBuilder LimitCallsPerCaller(this RouteHandlerBuilder endpoint) => endpoint.AddEndpointFilter<CallerRateLimitFilter>();

    /// <summary>
    /// Counts new calls per caller number in the handler's own write (<see cref="CountsCallerHitItself"/>): the counter and
    /// the new call go to PostgreSQL in one statement.
    /// </summary>
    public static RouteHandlerBuilder LimitCallsPerCallerInHandler(this RouteHandlerBuilder endpoint) =>
        endpoint.WithMetadata(new CountsCallerHitItself()).AddEndpointFilter<CallerRateLimitFilter>();

    /// <summary>Counts admin API requests per API key (429 over the limit).</summary>
    public static RouteGroupBuilder LimitRequestsPerApiKey(this RouteGroupBuilder group) =>
        group.AddEndpointFilter<ApiKeyRateLimitFilter>().ProducesProblem(StatusCodes.Status429TooManyRequests);
}
