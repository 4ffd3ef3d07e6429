using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace PhoneSupport.Features.Platform;

/// <summary>
/// What a technician key may touch: its own technician only (the <c>technician_id</c> it was created with), and never a
/// waiver. Admin keys (and the bootstrap key) act on everyone; finance keys never reach the technician endpoints.
/// </summary>
public static class KeyScope
{
    /// <summary>The claim of the technician an API key is bound to (set by Admin's <c>ApiKeyAuthenticationHandler</c>).</summary>
    public const string TechnicianClaim = "technician_id";

    public static bool IsTechnician(ClaimsPrincipal user) => user.IsInRole("technician") && !user.IsInRole("admin");

    /// <summary>The technician a technician key acts for; null for a key bound to none (made before keys were bound).</summary>
    public static Guid? TechnicianOf(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(TechnicianClaim), out var id) ? id : null;

    /// <summary>Whether <paramref name="user"/> may change the state of technician <paramref name="technicianId"/>.</summary>
    public static bool MayActFor(ClaimsPrincipal user, Guid technicianId) => !IsTechnician(user) || TechnicianOf(user) == technicianId;

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);
}
