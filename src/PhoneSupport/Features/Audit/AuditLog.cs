using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Audit;

/// <summary>One recorded change (table <c>audit_log</c>): who, what, when, before and after (JSON, null when absent).</summary>
public sealed class AuditEntry
{
    private AuditEntry() { }

    public AuditEntry(Guid id, Instant at, string actor, string actorKind, string entity, string entityId, string action, string? before, string? after)
    {
        Id = id;
        At = at;
        Actor = actor;
        ActorKind = actorKind;
        Entity = entity;
        EntityId = entityId;
        Action = action;
        Before = before;
        After = after;
    }

    public Guid Id { get; private set; }
    public Instant At { get; private set; }
    public string Actor { get; private set; } = "";

    /// <summary><c>apiKey</c>, <c>staff</c> or <c>service</c>.</summary>
    public string ActorKind { get; private set; } = "";
    public string Entity { get; private set; } = "";
    public string EntityId { get; private set; } = "";
    public string Action { get; private set; } = "";
    public string? Before { get; private set; }
    public string? After { get; private set; }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> entry)
    {
        entry.ToTable("audit_log");
        entry.Property(e => e.Before).HasColumnType("jsonb");
        entry.Property(e => e.After).HasColumnType("jsonb");
        entry.HasIndex(e => new { e.Entity, e.EntityId, e.At }).HasDatabaseName("audit_log_entity");
        entry.HasIndex(e => e.At).HasDatabaseName("audit_log_at");
    }
}

/// <summary>Who is making a change: an API key (its name), a staff user (their user name) or the service itself.</summary>
public sealed record AuditActor(string Name, string Kind)
{
    public static readonly AuditActor Service = new("service", "service");

    /// <summary>The authenticated principal of a request: the API key scheme names the key, the console cookie the staff user.</summary>
    public static AuditActor Of(ClaimsPrincipal? user)
    {
        var identity = user?.Identities.FirstOrDefault(i => i.IsAuthenticated);
        if (identity?.Name is not { Length: > 0 } name) return Service;
        return new AuditActor(name, identity.AuthenticationType == Platform.AuthenticationNames.ApiKeyScheme ? "apiKey" : "staff");
    }
}

/// <summary>
/// Records changes in the same unit of work as the change: <see cref="Record"/> adds a row to the context, and the
/// caller's one <c>SaveChangesAsync</c> (or its explicit transaction) commits both or neither. The actor is the
/// request's authenticated principal unless one is given. Any feature records its changes with one line:
/// <c>audit.Record("note", id, "created", null, note)</c>.
/// </summary>
public sealed class AuditLog(PhoneSupportDb db, IClock clock, IHttpContextAccessor http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public AuditActor Actor => AuditActor.Of(http.HttpContext?.User);

    public AuditEntry Record(string entity, object entityId, string action, object? before, object? after, AuditActor? actor = null)
    {
        var who = actor ?? Actor;
        var entry = new AuditEntry(Guid.CreateVersion7(), clock.GetCurrentInstant(), who.Name, who.Kind, entity,
            Convert.ToString(entityId, System.Globalization.CultureInfo.InvariantCulture) ?? "", action, Serialize(before), Serialize(after));
        db.AuditLog.Add(entry);
        return entry;
    }

    private static string? Serialize(object? value) => value switch
    {
        null => null,
        string s => JsonSerializer.Serialize(s, Json),
        _ => JsonSerializer.Serialize(value, value.GetType(), Json),
    };
}
