using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Hardening;

namespace PhoneSupport.Features.Console;

/// <summary>
/// What a sign-in attempt came to. <see cref="LockedUntil"/> is set when this failure locked the user (for the log and the
/// tests; the page shows every failure the same way). <see cref="RetryAfter"/> is set when the client address is throttled.
/// </summary>
public sealed record SignInOutcome(ClaimsPrincipal? Principal, Instant? LockedUntil, TimeSpan? RetryAfter = null)
{
    public bool Succeeded => Principal is not null;
}

/// <summary>
/// Checks a user name and password against <c>staff_users</c> (ASP.NET Core's <see cref="PasswordHasher{TUser}"/>).
/// Two limits, both counted in PostgreSQL so every instance sees the same counts and parallel guesses cannot slip under them:
/// per client address (<see cref="RateLimitOptions.SignInFailuresPerAddress"/> attempts per window, counted before anything is
/// checked and given back on success), and per user (<see cref="ConsoleOptions.LockoutFailures"/> failures in a row lock the
/// user for <see cref="ConsoleOptions.LockoutFor"/>, during which even the right password is refused). Every failure looks the
/// same from outside: unknown, disabled and locked users cost one password hash verification and the same statements as a
/// wrong password, and the caller is told nothing about which it was.
/// </summary>
public sealed class StaffSignIn(PhoneSupportDb db, IPasswordHasher<StaffUser> hasher, IOptions<ConsoleOptions> options, IClock clock,
    PostgresRateLimiter limiter, IOptionsMonitor<RateLimitOptions> limits, ILogger<StaffSignIn> logger)
{
    public const string TechnicianClaim = "technician_id";
    public const string StampClaim = "security_stamp";
    public const string DisplayNameClaim = "display_name";

    /// <summary>A hash of a random password: verifying against it takes as long as a real check.</summary>
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<StaffUser>().HashPassword(null!, Guid.NewGuid().ToString()));

    /// <param name="clientAddress">The client's address as a counter key (<see cref="PostgresRateLimiter.AddressKey"/>).</param>
    public async Task<SignInOutcome> SignInAsync(string? userName, string? password, string clientAddress, CancellationToken ct)
    {
        var (perAddress, window) = (limits.CurrentValue.SignInFailuresPerAddress, limits.CurrentValue.FailureWindow);
        var attempt = await limiter.HitAsync(PostgresRateLimiter.SignInAddressScope, clientAddress, perAddress, window, ct);
        if (!attempt.Allowed)
        {
            logger.LogWarning("Console sign-in refused: {Attempts} attempts from one client address in {Window} (limit {Limit})", attempt.Hits, window, attempt.Limit);
            return new SignInOutcome(null, null, attempt.RetryAfter);
        }

        var name = (userName ?? "").Trim().ToLowerInvariant();
        var user = name.Length == 0 ? null : await db.StaffUsers.AsNoTracking().FirstOrDefaultAsync(u => u.UserName == name, ct);
        var now = clock.GetCurrentInstant();
        var usable = user is not null && user.DisabledAt is null && !string.IsNullOrEmpty(password) && !(user.LockedUntil is { } locked && locked > now);
        var verdict = usable ? hasher.VerifyHashedPassword(user!, user!.PasswordHash, password!) : hasher.VerifyHashedPassword(null!, DummyHash.Value, password ?? "");
        if (!usable || verdict == PasswordVerificationResult.Failed)
        {
            // The same statement for every failure: it counts a wrong password of a usable user and matches no row otherwise.
            var lockedNow = await CountFailureAsync(usable ? user!.Id : Guid.Empty, now, ct);
            if (!usable) logger.LogInformation("Console sign-in refused for an unknown, disabled or locked user");
            return new SignInOutcome(null, lockedNow);
        }

        var signedIn = await db.StaffUsers.Where(u => u.Id == user!.Id && u.DisabledAt == null && (u.LockedUntil == null || u.LockedUntil <= now))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedSignIns, 0).SetProperty(u => u.LockedUntil, (Instant?)null)
                .SetProperty(u => u.LastSignInAt, now), ct);
        if (signedIn == 0) return new SignInOutcome(null, now); // locked or disabled a moment ago by another request
        await limiter.GiveBackAsync(PostgresRateLimiter.SignInAddressScope, clientAddress, window, ct); // a success is no failure
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            var rehashed = hasher.HashPassword(user!, password!);
            await db.StaffUsers.Where(u => u.Id == user!.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, rehashed), ct);
        }
        logger.LogInformation("Staff user {User} ({Role}) signed in to the console", user!.UserName, user.Role);
        return new SignInOutcome(Principal(user), null);
    }

    /// <summary>
    /// One more failure, atomically: a lock that has run out starts the count again at 1; reaching the limit locks.
    /// Returns the lock's end when this failure locked the user.
    /// </summary>
    private async Task<Instant?> CountFailureAsync(Guid id, Instant now, CancellationToken ct)
    {
        var at = now.ToDateTimeUtc();
        var until = (now + Duration.FromTimeSpan(options.Value.LockoutFor)).ToDateTimeUtc();
        var max = options.Value.LockoutFailures;
        var locked = await db.Database.SqlQuery<DateTime?>($"""
            update staff_users set
                   failed_sign_ins = case when locked_until is not null then 1 else failed_sign_ins + 1 end,
                   locked_until = case when (case when locked_until is not null then 1 else failed_sign_ins + 1 end) >= {max} then {until} else null end
             where id = {id} and (locked_until is null or locked_until <= {at})
            returning locked_until as "Value"
            """).ToListAsync(ct);
        if (locked is [{ } lockedUntil])
        {
            logger.LogWarning("Staff user {UserId} locked out of the console after {Failures} failed sign-ins", id, max);
            return Instant.FromDateTimeUtc(DateTime.SpecifyKind(lockedUntil, DateTimeKind.Utc));
        }
        return null;
    }

    public static ClaimsPrincipal Principal(StaffUser user)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new(ClaimTypes.Name, user.UserName),
            new(ClaimTypes.Role, user.Role),
            new(DisplayNameClaim, user.DisplayName),
            new(StampClaim, user.SecurityStamp.ToString()),
        };
        if (user.TechnicianId is { } technician) claims.Add(new Claim(TechnicianClaim, technician.ToString()));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, ConsoleAuthentication.Scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>Still valid: the user exists, is not disabled and the cookie's stamp is the current one.</summary>
    public async Task<bool> IsCurrentAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (!Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            || !Guid.TryParse(principal.FindFirstValue(StampClaim), out var stamp)) return false;
        return await db.StaffUsers.AnyAsync(u => u.Id == id && u.DisabledAt == null && u.SecurityStamp == stamp, ct);
    }
}
