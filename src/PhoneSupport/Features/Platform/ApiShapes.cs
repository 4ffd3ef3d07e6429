namespace PhoneSupport.Features.Platform;

// Shared by every feature's API (moved from Admin, names kept): the list page shape and the authorization policies.

/// <summary>A list page: <see cref="Next"/> is the cursor of the following page, or null on the last.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>The admin API's authorization policies, by the roles of an API key (<c>ApiKey.Roles</c> in Admin).</summary>
public static class AdminPolicies
{
    /// <summary>Everything: provisioning accounts, contracts, keys.</summary>
    public const string Admin = "admin";

    /// <summary>Money: charges, waivers, purchases, quotes (admin or finance).</summary>
    public const string Finance = "finance";

    /// <summary>Reading accounts, contracts, policies (admin, finance or technician).</summary>
    public const string Read = "read";
}

/// <summary>Policies of the technician endpoints, beside the three of <see cref="AdminPolicies"/>.</summary>
public static class TechnicianPolicies
{
    /// <summary>
    /// Setting availability: admin or technician, not finance. A technician key sets only the technician it is bound to
    /// (<see cref="KeyScope"/>; 403 for another); every change records the key that made it.
    /// </summary>
    public const string Availability = "availability";

    /// <summary>Sending an after-hours quote: a technician (who took the request) or finance, or an admin.</summary>
    public const string Quotes = "quotes";
}

/// <summary>
/// The names of the two authentication schemes and of the API key's id claim, for the features that check them (Hardening's rate
/// limits and secure-cookie redirect, Reports' policies); Admin (<c>ApiKeyAuthenticationHandler</c>) and Console
/// (<c>ConsoleAuthentication</c>) define the schemes under these names.
/// </summary>
public static class AuthenticationNames
{
    public const string ApiKeyScheme = "ApiKey";
    public const string ApiKeyIdClaim = "api_key_id";
    public const string ConsoleScheme = "ConsoleCookie";
}
