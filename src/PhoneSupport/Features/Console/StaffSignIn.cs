using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Console;

/// <summary>What a sign-in attempt came to. <see cref="LockedUntil"/> is set when the account is locked.</summary>
public sealed record SignInOutcome(ClaimsPrincipal? Principal, Instant? LockedUntil)
{
    public bool Succeeded => Principal is not null;
}

/// <summary>
/// Checks a user name and password against <c>staff_users</c> (ASP.NET Core's <see cref="PasswordHasher{TUser}"/>).
/// Failures are counted by one conditional UPDATE in PostgreSQL, so every instance sees the same count and two
/// parallel guesses cannot both slip under the limit; <see cref="ConsoleOptions.LockoutFailures"/> failures lock the
/// user for <see cref="ConsoleOptions.LockoutFor"/>, during which even the right password is refused. Unknown users
/// cost a hash verification too, so timing does not tell which names exist.
/// </summary>
public sealed class StaffSignIn(PhoneSupportDb db, IPasswordHasher<StaffUser> hasher, IOptions<ConsoleOptions> options, IClock clock, ILogger<StaffSignIn> logger)
{
    public const string TechnicianClaim = "technician_id";
    public const string StampClaim = "security_stamp";
    public const string DisplayNameClaim = "display_name";

    /// <summary>A hash of a random password: verifying against it takes as long as a real check.</summary>
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<StaffUser>().HashPassword(null!, Guid.NewGuid().ToString()));

    public async Task<SignInOutcome> SignInAsync(string? userName, string? password, CancellationToken ct)
    {
        var name = (userName ?? "").Trim().ToLowerInvariant();
        var user = name.Length == 0 ? null : await db.StaffUsers.AsNoTracking().FirstOrDefaultAsync(u => u.UserName == name, ct);
        var now = clock.GetCurrentInstant();
        if (user is null || user.DisabledAt is not null || string.IsNullOrEmpty(password))
        {
            hasher.VerifyHashedPassword(null!, DummyHash.Value, password ?? "");
            logger.LogInformation("Console sign-in refused for an unknown or disabled user");
            return new SignInOutcome(null, null);
        }
        if (user.LockedUntil is { } locked && locked > now) return new SignInOutcome(null, locked);

        var verdict = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed) return new SignInOutcome(null, await CountFailureAsync(user.Id, now, ct));

        var signedIn = await db.StaffUsers.Where(u => u.Id == user.Id && u.DisabledAt == null && (u.LockedUntil == null || u.LockedUntil <= now))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedSignIns, 0).SetProperty(u => u.LockedUntil, (Instant?)null)
                .SetProperty(u => u.LastSignInAt, now), ct);
        if (signedIn == 0) return new SignInOutcome(null, now); // locked or disabled a moment ago by another request
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            var rehashed = hasher.HashPassword(user, password);
            await db.StaffUsers.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, rehashed), ct);
        }
        logger.LogInformation("Staff user {User} ({Role}) signed in to the console", user.UserName, user.Role);
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
