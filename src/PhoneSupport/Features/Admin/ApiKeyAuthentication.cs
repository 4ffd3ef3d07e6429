using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PhoneSupport.Configuration;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Admin;

/// <summary>The admin API's authorization policies, by the roles of <see cref="ApiKey.Roles"/>.</summary>
public static class AdminPolicies
{
    /// <summary>Everything: provisioning accounts, contracts, keys.</summary>
    public const string Admin = "admin";

    /// <summary>Money: charges, waivers, purchases, quotes (admin or finance).</summary>
    public const string Finance = "finance";

    /// <summary>Reading accounts, contracts, policies (admin, finance or technician).</summary>
    public const string Read = "read";
}

/// <summary>
/// <c>Authorization: Bearer &lt;api key&gt;</c>. The key's SHA-256 hash is looked up in <c>api_keys</c> (not revoked); the
/// bootstrap key of <c>PhoneSupport:BootstrapAdminApiKey</c> is accepted as an admin, compared in constant time
/// (over the hashes, so neither the length nor a common prefix leaks). Keys are never logged: failures name no key.
/// Not the default scheme: only endpoints whose policy names it authenticate, so Twilio's webhooks never touch it.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    PhoneSupportDb db, IOptionsMonitor<PhoneSupportOptions> settings)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string BootstrapName = "bootstrap";
    public const string KeyIdClaim = "api_key_id";
    public const string TechnicianClaim = "technician_id";

    private const string Missing = "Send an API key: Authorization: Bearer <api key>.";
    private const string Invalid = "The API key is not valid, or it has been revoked.";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken(Request.Headers.Authorization.ToString()) is not { } presented) return AuthenticateResult.NoResult();
        if (presented.Length == 0) return AuthenticateResult.Fail(Invalid);

        var hash = ApiKey.Hash(presented);
        if (IsBootstrap(hash)) return Success(BootstrapName, "admin", null);

        var key = await db.ApiKeys.AsNoTracking()
            .Where(k => k.KeyHash == hash && k.RevokedAt == null)
            .Select(k => new { k.Id, k.Name, k.Role, k.TechnicianId })
            .FirstOrDefaultAsync(Context.RequestAborted);
        return key is null ? AuthenticateResult.Fail(Invalid) : Success(key.Name, key.Role, key.Id, key.TechnicianId);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
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
