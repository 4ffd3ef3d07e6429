using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Admin;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Console;

public sealed record CreateStaffUserRequest(string? UserName, string? DisplayName, string? Role, string? TechnicianId);

/// <summary>A staff user as admins see it; <see cref="Password"/> is present only in the answer that set it (shown once).</summary>
public sealed record StaffUserResource(
    Guid Id, string UserName, string DisplayName, string Role, Guid? TechnicianId, string? TechnicianName, bool Disabled,
    string? LockedUntil, string? LastSignInAt, string CreatedAt, string CreatedBy, string? Password = null);

/// <summary>
/// Staff users, created and disabled by admins. Same validation style and answers as the admin API
/// (<see cref="FieldErrors"/>, <see cref="Problems"/>), so the console shows each error next to its field. The first
/// password is generated (20 random characters, shown once) rather than typed by the admin.
/// </summary>
public sealed partial class StaffUsersHandler(PhoneSupportDb db, IPasswordHasher<StaffUser> hasher, IClock clock, ILogger<StaffUsersHandler> logger, Audit.AuditLog audit)
{
    public async Task<Results<Created<StaffUserResource>, ProblemHttpResult>> CreateAsync(CreateStaffUserRequest body, ClaimsPrincipal by, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        var userName = body.UserName?.Trim().ToLowerInvariant();
        if (userName is null || !UserNamePattern().IsMatch(userName))
            errors.Add("userName", "Required: 2 to 64 characters, lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.");
        var displayName = body.DisplayName?.Trim();
        if (string.IsNullOrEmpty(displayName) || displayName.Length > 200) errors.Add("displayName", "Required: the person's name, 1 to 200 characters.");
        if (body.Role is null || !StaffRoles.All.Contains(body.Role)) errors.Add("role", $"'{body.Role}' is not a role; one of: {string.Join(", ", StaffRoles.All)}.");
        var technicianId = AdminFormats.Id(body.TechnicianId, "technicianId", errors, required: body.Role == StaffRoles.Technician);
        if (body.Role != StaffRoles.Technician && technicianId is not null)
            errors.Add("technicianId", "Only technician users are linked to a technician.");
        else if (technicianId is { } t && !await db.Technicians.AnyAsync(x => x.Id == t, ct))
            errors.Add("technicianId", $"No technician {t}.");
        if (errors.Any) return Problems.Validation(errors);

        var password = NewPassword();
        var user = new StaffUser(Guid.CreateVersion7(), userName!, displayName!, body.Role!, technicianId, "", clock.GetCurrentInstant(), by.Identity?.Name ?? "system");
        user.SetPassword(hasher.HashPassword(user, password));
        db.StaffUsers.Add(user);
        audit.Record("staffUser", user.Id, "created", null, new { user.UserName, user.DisplayName, user.Role, user.TechnicianId });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (Problems.UniqueViolation(e) is "staff_users_user_name_key")
        {
            db.ChangeTracker.Clear();
            return Problems.Conflict("userName", $"The user name {userName} is taken.");
        }
        logger.LogInformation("Staff user {User} ({Role}) created by {By}", user.UserName, user.Role, user.CreatedBy);
        return TypedResults.Created($"/console/admin/staff#{user.Id}", (await ReadAsync(user.Id, ct))! with { Password = password });
    }

    public async Task<List<StaffUserResource>> ListAsync(CancellationToken ct)
    {
        var rows = await (from u in db.StaffUsers.AsNoTracking()
                          join t in db.Technicians on u.TechnicianId equals t.Id into linked
                          from t in linked.DefaultIfEmpty()
                          orderby u.UserName
                          select new { User = u, Technician = t == null ? null : t.Name }).ToListAsync(ct);
        var now = clock.GetCurrentInstant();
        return [.. rows.Select(r => Of(r.User, r.Technician, now))];
    }

    public async Task<StaffUserResource?> ReadAsync(Guid id, CancellationToken ct) =>
        (await ListAsync(ct)).FirstOrDefault(u => u.Id == id);

    /// <summary>Disabled users cannot sign in, and their open sessions end at their next request (the security stamp changes).</summary>
    public async Task<Results<Ok<StaffUserResource>, ProblemHttpResult>> SetDisabledAsync(Guid id, bool disabled, ClaimsPrincipal by, CancellationToken ct)
    {
        var user = await db.StaffUsers.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null) return Problems.NotFound($"No staff user {id}.");
        if (disabled && by.FindFirstValue(ClaimTypes.NameIdentifier) == id.ToString())
            return Problems.Validation("id", "You cannot disable yourself; ask another admin.");
        var changed = disabled ? user.Disable(clock.GetCurrentInstant()) : user.Enable();
        if (changed)
        {
            audit.Record("staffUser", user.Id, disabled ? "disabled" : "enabled", new { disabled = !disabled }, new { disabled });
            await db.SaveChangesAsync(ct);
            logger.LogInformation("Staff user {User} {Change} by {By}", user.UserName, disabled ? "disabled" : "enabled", by.Identity?.Name);
        }
        return TypedResults.Ok((await ReadAsync(id, ct))!);
    }

    /// <summary>A new generated password (shown once); the lockout is cleared and open sessions end.</summary>
    public async Task<Results<Ok<StaffUserResource>, ProblemHttpResult>> ResetPasswordAsync(Guid id, ClaimsPrincipal by, CancellationToken ct)
    {
        var user = await db.StaffUsers.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null) return Problems.NotFound($"No staff user {id}.");
        var password = NewPassword();
        user.SetPassword(hasher.HashPassword(user, password));
        audit.Record("staffUser", user.Id, "passwordReset", null, null);
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Password of staff user {User} reset by {By}", user.UserName, by.Identity?.Name);
        return TypedResults.Ok((await ReadAsync(id, ct))! with { Password = password });
    }

    /// <summary>20 characters from an alphabet without look-alikes (about 115 bits).</summary>
    public static string NewPassword()
    {
        const string alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return string.Create(20, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        });
    }

    private static StaffUserResource Of(StaffUser u, string? technician, Instant now) => new(
        u.Id, u.UserName, u.DisplayName, u.Role, u.TechnicianId, technician, u.DisabledAt is not null,
        u.LockedUntil is { } l && l > now ? AdminFormats.Format(l) : null, u.LastSignInAt is { } s ? AdminFormats.Format(s) : null,
        AdminFormats.Format(u.CreatedAt), u.CreatedBy);

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]{1,63}\z")]
    private static partial Regex UserNamePattern();
}
