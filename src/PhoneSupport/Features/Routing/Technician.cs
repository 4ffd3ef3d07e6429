using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Routing;

/// <summary>The states a technician is in; the service sets all but <see cref="TechnicianStatus.Available"/> and <see cref="TechnicianStatus.Offline"/>.
/// Stored, and written by the API and the console, as the member's text (<see cref="StoredText{TEnum}"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TechnicianStatus>))]
public enum TechnicianStatus
{
    [JsonStringEnumMemberName("available")] Available,
    [JsonStringEnumMemberName("reserved")] Reserved,
    [JsonStringEnumMemberName("busy")] Busy,
    [JsonStringEnumMemberName("wrapUp")] WrapUp,
    [JsonStringEnumMemberName("offline")] Offline,
}

/// <summary>
/// A technician who takes forwarded calls and callbacks on their own phone. Reservation is done in SQL
/// (<see cref="TechnicianRouter"/>) so it is atomic across instances; the transitions here guard the rest.
/// </summary>
public sealed class Technician
{
    private Technician() { }

    public Technician(Guid id, string name, string phoneNumber, string[] providers, string[] skills, Instant now, string[]? languages = null)
    {
        Languages = languages is { Length: > 0 } ? languages : ["en"];
        Id = id;
        Name = name;
        PhoneNumber = phoneNumber;
        Providers = providers;
        Skills = skills;
        Status = TechnicianStatus.Offline;
        StatusSince = now;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public string PhoneNumber { get; private set; } = "";
    public string[] Providers { get; private set; } = [];
    public string[] Skills { get; private set; } = [];

    /// <summary>Primary language subtags (<c>en</c>, <c>de</c>) the technician takes calls in, preferred first.</summary>
    public string[] Languages { get; private set; } = ["en"];
    public TechnicianStatus Status { get; private set; } = TechnicianStatus.Offline;
    public Instant StatusSince { get; private set; }
    public string? ReservedCallSid { get; private set; }
    public Instant? ReservedUntil { get; private set; }
    public Instant CreatedAt { get; private set; }
    public int Version { get; private set; }

    /// <summary>Bumped by every edit (not by state changes); the ETag of the technician.</summary>
    public int Revision { get; private set; } = 1;

    /// <summary>A retired technician (false) is never reserved; one on a call finishes it.</summary>
    public bool Active { get; private set; } = true;

    /// <summary>Applies an edit (null: unchanged) and bumps <see cref="Revision"/>.</summary>
    public void Edit(string? name, string? phoneNumber, string[]? providers, string[]? skills, string[]? languages, bool? active)
    {
        if (name is not null) Name = name;
        if (phoneNumber is not null) PhoneNumber = phoneNumber;
        if (providers is not null) Providers = providers;
        if (skills is not null) Skills = skills;
        if (languages is not null) Languages = languages;
        if (active is { } a) Active = a;
        Revision++;
        Version++;
    }

    /// <summary>The technician's own choice: available or offline. Refused while they hold a call.</summary>
    public bool SetAvailability(bool available, Instant now)
    {
        var target = available ? TechnicianStatus.Available : TechnicianStatus.Offline;
        if (Status == target) return false;
        if (Status is TechnicianStatus.Reserved or TechnicianStatus.Busy && !available)
            throw new InvalidOperationException("A technician on a call goes offline after it ends.");
        Status = target;
        StatusSince = now;
        ReservedCallSid = null;
        ReservedUntil = null;
        Version++;
        return true;
    }
}

internal sealed class TechnicianConfiguration : IEntityTypeConfiguration<Technician>
{
    public void Configure(EntityTypeBuilder<Technician> technician)
    {
        technician.ToTable("technicians");
        technician.Property(t => t.Status).StoredAsText();
        technician.Property(t => t.Version).IsConcurrencyToken();
        technician.Property(t => t.Revision).IsConcurrencyToken();
        technician.HasIndex(t => t.PhoneNumber).IsUnique().HasDatabaseName("technicians_phone_number_key");
        technician.HasIndex(t => t.ReservedCallSid).IsUnique().HasFilter("reserved_call_sid is not null").HasDatabaseName("technicians_one_reservation_per_call");
        technician.HasIndex(t => new { t.Status, t.StatusSince }).HasDatabaseName("technicians_idle");
        // The call core's records that point at a technician, declared from this side so the core depends on no feature.
        technician.HasMany<CallCore.Callback>().WithOne().HasForeignKey(c => c.TechnicianId);
        technician.HasMany<CallCore.CallbackLeg>().WithOne().HasForeignKey(l => l.TechnicianId);
    }
}

/// <summary>One on-call window of the rota (table <c>technician_on_call</c>).</summary>
public sealed record OnCallWindow(Guid TechnicianId, Instant StartsAt, Instant EndsAt);

internal sealed class OnCallWindowConfiguration : IEntityTypeConfiguration<OnCallWindow>
{
    public void Configure(EntityTypeBuilder<OnCallWindow> window)
    {
        window.ToTable("technician_on_call");
        window.HasKey(w => new { w.TechnicianId, w.StartsAt });
        window.HasOne<Technician>().WithMany().HasForeignKey(w => w.TechnicianId);
    }
}

/// <summary>An entry of a technician's append-only event log.</summary>
public sealed class TechnicianEvent
{
    private TechnicianEvent() { }

    public TechnicianEvent(Guid technicianId, Instant at, string kind, string data)
    {
        TechnicianId = technicianId;
        At = at;
        Kind = kind;
        Data = data;
    }

    public long Id { get; private set; }
    public Guid TechnicianId { get; private set; }
    public Instant At { get; private set; }
    public string Kind { get; private set; } = "";
    public string Data { get; private set; } = "{}";
}

internal sealed class TechnicianEventConfiguration : IEntityTypeConfiguration<TechnicianEvent>
{
    public void Configure(EntityTypeBuilder<TechnicianEvent> e)
    {
        e.ToTable("technician_events");
        e.Property(x => x.Id).UseIdentityAlwaysColumn();
        e.Property(x => x.Data).HasColumnType("jsonb");
        e.HasIndex(x => new { x.TechnicianId, x.Id }).HasDatabaseName("technician_events_technician");
        e.HasOne<Technician>().WithMany().HasForeignKey(x => x.TechnicianId);
    }
}
