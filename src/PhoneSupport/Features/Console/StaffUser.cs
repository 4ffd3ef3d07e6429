using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Console;

/// <summary>The console's roles: the same four as the API keys' (<see cref="Admin.ApiKey.Roles"/>).</summary>
public static class StaffRoles
{
    public const string Admin = "admin";
    public const string Finance = "finance";
    public const string Technician = "technician";

    /// <summary>A support manager: reads the service, allowance and revenue reports (Reports page), nothing else.</summary>
    public const string Manager = "manager";

    public static readonly string[] All = [Admin, Finance, Technician, Manager];
}

/// <summary>
/// A person who signs in to the web console (table <c>staff_users</c>). Created by an admin (or the demo data);
/// a technician user is linked to the <see cref="Routing.Technician"/> whose state they control. The failure
/// counter and lockout are changed by conditional SQL in <see cref="StaffSignIn"/>, never read-modify-write here.
/// </summary>
public sealed class StaffUser
{
    private StaffUser() { }

    public StaffUser(Guid id, string userName, string displayName, string role, Guid? technicianId, string passwordHash, Instant now, string createdBy)
    {
        Id = id;
        UserName = userName;
        DisplayName = displayName;
        Role = role;
        TechnicianId = technicianId;
        PasswordHash = passwordHash;
        SecurityStamp = Guid.NewGuid();
        CreatedAt = now;
        CreatedBy = createdBy;
    }

    public Guid Id { get; private set; }
    public string UserName { get; private set; } = "";
    public string DisplayName { get; private set; } = "";
    public string Role { get; private set; } = "";
    public Guid? TechnicianId { get; private set; }
    public string PasswordHash { get; private set; } = "";
    public int FailedSignIns { get; private set; }
    public Instant? LockedUntil { get; private set; }
    public Instant? LastSignInAt { get; private set; }
    public Instant? DisabledAt { get; private set; }

    /// <summary>Changes when the password changes or the user is disabled: signed-in cookies carrying the old one stop working.</summary>
    public Guid SecurityStamp { get; private set; }

    public Instant CreatedAt { get; private set; }
    public string CreatedBy { get; private set; } = "";

    /// <summary>The IANA zone the user reads instants in (checked against tzdb when set); null: the default of <see cref="ViewerZones"/>.</summary>
    public string? TimeZone { get; private set; }

    public void SetTimeZone(string? zoneId) => TimeZone = zoneId;

    public void SetPassword(string passwordHash)
    {
        PasswordHash = passwordHash;
        FailedSignIns = 0;
        LockedUntil = null;
        SecurityStamp = Guid.NewGuid();
    }

    public bool Disable(Instant now)
    {
        if (DisabledAt is not null) return false;
        DisabledAt = now;
        SecurityStamp = Guid.NewGuid();
        return true;
    }

    public bool Enable()
    {
        if (DisabledAt is null) return false;
        DisabledAt = null;
        return true;
    }
}

internal sealed class StaffUserConfiguration : IEntityTypeConfiguration<StaffUser>
{
    public void Configure(EntityTypeBuilder<StaffUser> user)
    {
        user.ToTable("staff_users");
        user.HasIndex(u => u.UserName).IsUnique().HasDatabaseName("staff_users_user_name_key");
        user.HasOne<Routing.Technician>().WithMany().HasForeignKey(u => u.TechnicianId);
    }
}
