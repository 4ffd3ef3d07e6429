using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Npgsql;

namespace PhoneSupport.Features.Hardening;

/// <summary>
/// The Data Protection key ring (console cookies, antiforgery tokens) in PostgreSQL (<c>data_protection_keys</c>,
/// migration 0018), so every instance reads and writes the same keys: a cookie made by one pod opens a page on the next.
/// The keys are stored as the key manager writes them; whoever can read that table can forge a console session, so it
/// is guarded as the database is (docs/runbook.md).
/// </summary>
public static class SharedDataProtectionKeys
{
    /// <summary>One name for every instance (the default is the content root, which need not agree between hosts).</summary>
    public const string ApplicationName = "PhoneSupport";

    public static IServiceCollection AddSharedDataProtectionKeys(this IServiceCollection services)
    {
        // First of all hosted services: Data Protection's own hosted service loads the key ring at start-up and would
        // make a key of its own on an empty table.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, FirstKeyCreation>());
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
            o.XmlRepository = new PostgresXmlRepository(sp.GetRequiredService<IConfiguration>().GetConnectionString("PhoneSupport") ?? "")));
        return services;
    }
}

/// <summary>
/// <see cref="IXmlRepository"/> over <c>data_protection_keys</c>. The interface is synchronous; the key manager calls
/// it when it loads the key ring (at the first protect or unprotect, then about once a day) and when it adds a key.
/// </summary>
public sealed class PostgresXmlRepository(string connectionString) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("select xml from data_protection_keys order by created_at, friendly_name", connection);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read()) elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        // Key and revocation names are unique (they carry a new GUID or the time); a repeat stores nothing twice.
        using var command = new NpgsqlCommand(
            "insert into data_protection_keys (friendly_name, xml) values ($1, $2) on conflict (friendly_name) do nothing", connection);
        command.Parameters.AddWithValue(friendlyName);
        command.Parameters.AddWithValue(element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}

/// <summary>
/// Instances starting together on an empty table would each make a key of their own and, until their key rings
/// refresh, refuse each other's cookies. At start-up, before the server takes requests, each instance takes an
/// advisory lock and makes the first key only if no usable one exists yet: the first creates it, the others find it.
/// Later keys are made ahead of time by the key manager itself (activated two days after they are written, so every
/// instance has read them by then).
/// </summary>
public sealed class FirstKeyCreation(IKeyManager keys, IOptions<KeyManagementOptions> options, IConfiguration configuration,
    ILogger<FirstKeyCreation> logger) : IHostedService
{
    private const long LockKey = 0x44617461_50726f74; // "DataProt"

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(configuration.GetConnectionString("PhoneSupport"));
        await connection.OpenAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"select pg_advisory_lock({LockKey})", connection))
            await take.ExecuteNonQueryAsync(cancellationToken);
        try
        {
            // The key ring judges keys by the real time (Data Protection reads the system clock, not our time source): so do we.
            var now = TimeProvider.System.GetUtcNow();
            if (keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now)) return;
            var key = keys.CreateNewKey(now, now + options.Value.NewKeyLifetime);
            logger.LogInformation("Created the first Data Protection key {KeyId}, shared in data_protection_keys", key.KeyId);
        }
        finally
        {
            await using var release = new NpgsqlCommand($"select pg_advisory_unlock({LockKey})", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
