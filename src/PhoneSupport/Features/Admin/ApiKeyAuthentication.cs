using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PhoneSupport.Configuration;
using PhoneSupport.Data;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

/// <summary>
/// <c>Authorization: Bearer &lt;api key&gt;</c>. The key's SHA-256 hash is looked up in <c>api_keys</c> (not revoked); the
/// bootstrap key of <c>PhoneSupport:BootstrapAdminApiKey</c> is accepted as an admin, compared in constant time
/// (over the hashes, so neither the length nor a common prefix leaks). Keys are never logged: failures name no key.
/// Not the default scheme: only endpoints whose policy names it authenticate, so Twilio's webhooks never touch it.
/// Failed keys are counted per client address in PostgreSQL (<see cref="RateLimitOptions.ApiKeyFailuresPerAddress"/> per
/// <see cref="RateLimitOptions.FailureWindow"/>, shared by every instance): once an address has used them up, every request
/// from it with a bearer token answers 429 problem+json with <c>Retry-After</c> until the window ends, before any key is
/// checked. The count is read in the same statement as the key lookup, so a valid key costs no extra round trip.
/// </summary>
public sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    PhoneSupportDb db, IOptionsMonitor<PhoneSupportOptions> settings, PostgresRateLimiter limiter, IOptionsMonitor<RateLimitOptions> limits)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = AuthenticationNames.ApiKeyScheme;
    public const string BootstrapName = "bootstrap";
    public const string KeyIdClaim = AuthenticationNames.ApiKeyIdClaim;
    public const string TechnicianClaim = KeyScope.TechnicianClaim;

    private const string Missing = "Send an API key: Authorization: Bearer <api key>.";
    private const string Invalid = "The API key is not valid, or it has been revoked.";
    private const string Throttled = "Too many failed API keys from this address.";

    /// <summary>The <see cref="HttpContext.Items"/> entry holding how long a throttled address waits.</summary>
    private static readonly object ThrottledFor = new();

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken(Request.Headers.Authorization.ToString()) is not { } presented) return AuthenticateResult.NoResult();
        var (perAddress, window) = (limits.CurrentValue.ApiKeyFailuresPerAddress, limits.CurrentValue.FailureWindow);
        var address = PostgresRateLimiter.AddressKey(Context);
        var hash = ApiKey.Hash(presented);

        KeyLookup? key;
        if (perAddress <= 0)
        {
            if (presented.Length > 0 && IsBootstrap(hash)) return Success(BootstrapName, "admin", null);
            key = await db.ApiKeys.AsNoTracking().Where(k => k.KeyHash == hash && k.RevokedAt == null)
                .Select(k => new KeyLookup { Id = k.Id, Name = k.Name, Role = k.Role, TechnicianId = k.TechnicianId })
                .FirstOrDefaultAsync(Context.RequestAborted);
        }
        else
        {
            // One round trip: the key (if any) and this address's failures in the current window.
            var (start, left) = limiter.CurrentWindow(window);
            var at = start.UtcDateTime;
            key = (await db.Database.SqlQuery<KeyLookup>($"""
                select k.id as "Id", k.name as "Name", k.role as "Role", k.technician_id as "TechnicianId",
                       coalesce((select c.hits from rate_limit_counters c
                                  where c.scope = {PostgresRateLimiter.ApiKeyAddressScope} and c.key = {address} and c.window_start = {at}), 0) as "Failures"
                  from (select 1) as one left join api_keys k on k.key_hash = {hash} and k.revoked_at is null
                """).ToListAsync(Context.RequestAborted)).Single();
            if (key.Failures >= perAddress) return Refuse(left, key.Failures, perAddress);
            if (presented.Length > 0 && IsBootstrap(hash)) return Success(BootstrapName, "admin", null);
        }
        if (presented.Length > 0 && key is { Id: { } id, Name: { } name, Role: { } role }) return Success(name, role, id, key.TechnicianId);

        if (perAddress > 0)
        {
            var failed = await limiter.HitAsync(PostgresRateLimiter.ApiKeyAddressScope, address, perAddress, window, Context.RequestAborted);
            if (failed.Hits >= perAddress) LogAddressThrottled(Logger, failed.Hits, window);
        }
        return AuthenticateResult.Fail(Invalid);
    }

    private AuthenticateResult Refuse(TimeSpan left, int failures, int limit)
    {
        Context.Items[ThrottledFor] = left;
        LogRefused(Logger, failures, limit);
        return AuthenticateResult.Fail(Throttled);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        if (Context.Items[ThrottledFor] is TimeSpan wait)
        {
            var seconds = new RateLimitDecision(false, 0, 0, wait).RetryAfterSeconds;
            Response.Headers.RetryAfter = seconds;
            await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                detail: $"{Throttled} Retry after {seconds} seconds.").ExecuteAsync(Context);
            return;
        }
        Response.Headers.WWWAuthenticate = "Bearer";
        await TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            detail: result.Failure is null ? Missing : Invalid).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var role = Context.User.FindFirstValue(ClaimTypes.Role) ?? "none";
        return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
            detail: $"The {role} role may not do this.").ExecuteAsync(Context);
    }

    /// <summary>The token of a <c>Bearer</c> header (scheme case-insensitive), or null for no or another scheme.</summary>
    internal static string? BearerToken(string header)
    {
        const string prefix = "Bearer ";
        return header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? header[prefix.Length..].Trim() : null;
    }

    private bool IsBootstrap(string presentedHash)
    {
        var bootstrap = settings.CurrentValue.BootstrapAdminApiKey;
        if (string.IsNullOrWhiteSpace(bootstrap)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presentedHash), Encoding.ASCII.GetBytes(ApiKey.Hash(bootstrap)));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A client address has presented {Failures} failed API keys in {Window}: its API requests answer 429 until the window ends")]
    private static partial void LogAddressThrottled(ILogger logger, int failures, TimeSpan window);

    [LoggerMessage(Level = LogLevel.Information, Message = "API request refused with 429: its address has {Failures} failed API keys this window (limit {Limit})")]
    private static partial void LogRefused(ILogger logger, int failures, int limit);

    /// <summary>A key row (all null when no key matches) and the address's failures in the current window.</summary>
    private sealed class KeyLookup
    {
        public Guid? Id { get; init; }
        public string? Name { get; init; }
        public string? Role { get; init; }
        public Guid? TechnicianId { get; init; }
        public int Failures { get; init; }
    }

    private AuthenticateResult Success(string name, string role, Guid? keyId, Guid? technicianId = null)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new(ClaimTypes.Role, role) };
        if (keyId is { } id) claims.Add(new Claim(KeyIdClaim, id.ToString()));
        if (technicianId is { } technician) claims.Add(new Claim(TechnicianClaim, technician.ToString()));
        var identity = new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

public static class ApiKeyAuthenticationExtensions
{
    /// <summary>The API-key scheme and the three policies; every policy authenticates with that scheme only.</summary>
    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicies.Admin, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireRole("admin"))
            .AddPolicy(AdminPolicies.Finance, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireRole("admin", "finance"))
            .AddPolicy(AdminPolicies.Read, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireRole("admin", "finance", "technician"));
        return services;
    }
}
