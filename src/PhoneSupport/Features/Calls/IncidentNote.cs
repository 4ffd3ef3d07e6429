using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace PhoneSupport.Features.Calls;

/// <summary>
/// A note on an incident (table <c>incident_notes</c>, append-only): what was done and, optionally, the disposition it
/// records (<see cref="Domain.Desk.Dispositions"/>). <see cref="Author"/> is the staff user or API key name;
/// <see cref="TechnicianId"/> is set when a technician wrote it.
/// </summary>
public sealed class IncidentNote
{
    private IncidentNote() { }

    public IncidentNote(Guid incidentId, string author, Guid? technicianId, string text, string? disposition, Instant now)
    {
        Id = Guid.CreateVersion7();
        IncidentId = incidentId;
        Author = author;
        TechnicianId = technicianId;
        Text = text;
        Disposition = disposition;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public string Author { get; private set; } = "";
    public Guid? TechnicianId { get; private set; }
    public string Text { get; private set; } = "";
    public string? Disposition { get; private set; }
    public Instant CreatedAt { get; private set; }
}

internal sealed class IncidentNoteConfiguration : IEntityTypeConfiguration<IncidentNote>
{
    public void Configure(EntityTypeBuilder<IncidentNote> note)
    {
        note.ToTable("incident_notes");
        note.HasIndex(n => new { n.IncidentId, n.CreatedAt }).HasDatabaseName("incident_notes_incident");
        note.HasOne<Billing.Incident>().WithMany().HasForeignKey(n => n.IncidentId);
        note.HasOne<Routing.Technician>().WithMany().HasForeignKey(n => n.TechnicianId);
    }
}
