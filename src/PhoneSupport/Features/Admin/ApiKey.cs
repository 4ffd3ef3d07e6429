using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Admin;

/// <summary>
/// A machine credential for the admin API. Only the SHA-256 hash of the key is stored (keys are 256-bit
/// random, so a fast hash is enough; a password hash's slowness protects low-entropy secrets only); the
/// key itself is returned once, when created.
/// </summary>
public sealed class ApiKey
{
    public static readonly string[] Roles = ["admin", "finance", "technician", "manager"];

    private ApiKey() { }

    public ApiKey(Guid id, string name, string role, string keyHash, string prefix, Instant createdAt, Guid? technicianId = null)
    {
        Id = id;
        Name = name;
        Role = role;
        TechnicianId = technicianId;
        KeyHash = keyHash;
        Prefix = prefix;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public string Role { get; private set; } = "";

    /// <summary>The technician a technician key acts for (only that technician's state); null for the other roles.</summary>
    public Guid? TechnicianId { get; private set; }
    public string KeyHash { get; private set; } = "";
    public string Prefix { get; private set; } = "";
    public Instant CreatedAt { get; private set; }
    public Instant? RevokedAt { get; private set; }

    /// <summary>A new random key (<c>psk_</c> + 43 base64url characters) and its stored form.</summary>
    public static (ApiKey Key, string Secret) Create(string name, string role, Instant now, Guid? technicianId = null)
    {
        var secret = "psk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (new ApiKey(Guid.CreateVersion7(), name, role, Hash(secret), secret[..8], now, technicianId), secret);
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> key)
    {
        key.ToTable("api_keys");
        key.HasIndex(k => k.KeyHash).IsUnique().HasDatabaseName("api_keys_key_hash_key");
        key.HasOne<Routing.Technician>().WithMany().HasForeignKey(k => k.TechnicianId);
    }
}
