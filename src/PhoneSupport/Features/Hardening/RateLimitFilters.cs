using System.Data.Common;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Platform;
using PhoneSupport.Twilio;

namespace PhoneSupport.Features.Hardening;

/// <summary>
/// New calls per caller number (<c>From</c>), after the group's signature check: a forged request never counts
/// against a real caller. A limited caller hears a short apology and the call hangs up; Twilio always gets valid
/// TwiML with a 200, never a 429 (which it would read as an application error). Steps of an admitted call are
/// not counted. If the counter cannot be reached the call goes on: the limit protects, it must not take the line down.
/// </summary>
/// <summary>
/// Endpoint metadata: the handler counts the caller's hit in the statement that records the new call (from the
/// <see cref="PendingRateLimitHit"/> feature) and answers a limited caller with <see cref="CallerRateLimitFilter.TooManyCalls"/>.
/// </summary>
public sealed class CountsCallerHitItself;

public sealed partial class CallerRateLimitFilter(PostgresRateLimiter limiter, IOptionsMonitor<RateLimitOptions> options, ILogger<CallerRateLimitFilter> logger)
    : IEndpointFilter
{
    public const string TooManyCalls = "We are receiving too many calls from your number. Please try again later. Goodbye.";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var limit = options.CurrentValue.CallerPerMinute;
        var request = context.HttpContext.Request;
        if (limit <= 0 || !request.HasFormContentType) return await next(context);
        var form = await request.ReadFormAsync(context.HttpContext.RequestAborted);
        var from = form["From"].ToString();
        if (from.Length == 0) return await next(context);

        var key = PostgresRateLimiter.CallerKey(from);
        if (context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<CountsCallerHitItself>() is not null)
        {
            // The handler counts the hit in the statement that records the new call (one round trip for both) and answers
            // a limited caller itself. A request it answered without writing anything is counted here, afterwards.
            var pending = limiter.Pending(PostgresRateLimiter.CallerScope, key, limit);
            context.HttpContext.Features.Set(pending);
            var result = await next(context);
            if (pending.Decision is null) await CountAsync(PostgresRateLimiter.CallerScope, key, limit, context.HttpContext.RequestAborted);
            else if (pending.Decision is { Allowed: false } refused) LogLimited(logger, PhoneRedaction.Redact(from), refused.Hits, refused.Limit);
            return result;
        }

        var decision = await CountAsync(PostgresRateLimiter.CallerScope, key, limit, context.HttpContext.RequestAborted);
        if (decision.Allowed) return await next(context);

        LogLimited(logger, PhoneRedaction.Redact(from), decision.Hits, decision.Limit);
        return TwimlRenderer.Apology(TooManyCalls).ToResult();
    }

    private async Task<RateLimitDecision> CountAsync(string scope, string key, int limit, CancellationToken ct)
    {
        try
        {
            return await limiter.HitAsync(scope, key, limit, ct);
        }
        catch (DbException e)
        {
            LogCounterFailed(logger, e);
            return new RateLimitDecision(true, 0, limit, TimeSpan.Zero);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Caller {From} started {Hits} calls this minute (limit {Limit}): answered with the too-many-calls message")]
    private static partial void LogLimited(ILogger logger, string from, int hits, int limit);

    [LoggerMessage(Level = LogLevel.Error, Message = "The caller rate-limit counter failed; the call goes on unlimited")]
    private static partial void LogCounterFailed(ILogger logger, Exception e);
}

/// <summary>
/// Admin API requests per API key, after authentication (the filter runs once the endpoint's policy has
/// authenticated the key): 429 problem+json with <c>Retry-After</c> when the key is over its minute's limit.
/// </summary>
public sealed partial class ApiKeyRateLimitFilter(PostgresRateLimiter limiter, IOptionsMonitor<RateLimitOptions> options, ILogger<ApiKeyRateLimitFilter> logger)
    : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var limit = options.CurrentValue.ApiKeyPerMinute;
        var user = context.HttpContext.User;
        if (limit <= 0 || user.Identity?.IsAuthenticated != true) return await next(context);
        var key = user.FindFirstValue(AuthenticationNames.ApiKeyIdClaim) ?? "name:" + user.Identity.Name;

        var decision = await limiter.HitAsync(PostgresRateLimiter.ApiKeyScope, key, limit, context.HttpContext.RequestAborted);
        if (decision.Allowed) return await next(context);

        LogLimited(logger, user.Identity.Name ?? "?", decision.Hits, decision.Limit);
        context.HttpContext.Response.Headers.RetryAfter = decision.RetryAfterSeconds;
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
            detail: $"This API key may make {decision.Limit} requests per minute. Retry after {decision.RetryAfterSeconds} seconds.");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "API key {KeyName} made {Hits} requests this minute (limit {Limit}): 429")]
    private static partial void LogLimited(ILogger logger, string keyName, int hits, int limit);
}
