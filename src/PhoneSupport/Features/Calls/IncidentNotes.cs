using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Desk;

namespace PhoneSupport.Features.Calls;

public enum NoteOutcome { Added, NotFound, Forbidden, Invalid }

/// <summary>
/// Notes and dispositions on incidents. Admins (and finance, who read every incident) write on any; a technician writes only
/// on an incident one of whose calls (or callbacks) they worked — the same rule as reading a call's history. Notes are
/// appended, never edited: the latest disposition is the incident's current one.
/// </summary>
public sealed class IncidentNotes(PhoneSupportDb db, CallHistory history, IClock clock, Audit.AuditLog audit)
{
    public async Task<(NoteOutcome Outcome, IncidentNote? Note, string? Field, string? Why)> AddAsync(
        Guid incidentId, string? text, string? disposition, CallViewer viewer, CancellationToken ct)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed)) return (NoteOutcome.Invalid, null, "text", "Required: what was done, and what comes next.");
        if (trimmed.Length > Dispositions.MaxNoteLength) return (NoteOutcome.Invalid, null, "text", $"At most {Dispositions.MaxNoteLength} characters.");
        if (disposition is not null && !Dispositions.IsKnown(disposition))
            return (NoteOutcome.Invalid, null, "disposition", $"One of {string.Join(", ", Dispositions.All)}, or none.");
        var incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == incidentId, ct);
        if (incident is null) return (NoteOutcome.NotFound, null, null, null);
        if (viewer.IsTechnician && !await WorkedAsync(incident, viewer.TechnicianId, ct))
            return (NoteOutcome.Forbidden, null, null, "A technician adds notes only to incidents whose calls they worked.");
        var note = new IncidentNote(incident.Id, viewer.Name, viewer.IsTechnician ? viewer.TechnicianId : null, trimmed, disposition, clock.GetCurrentInstant());
        db.IncidentNotes.Add(note);
        audit.Record("incident", incident.Id, "noteAdded", null, new { note.Id, note.Text, note.Disposition, note.Author });
        await db.SaveChangesAsync(ct);
        return (NoteOutcome.Added, note, null, null);
    }

    public Task<List<IncidentNote>> ForAsync(IReadOnlyCollection<Guid> incidentIds, CancellationToken ct) =>
        db.IncidentNotes.AsNoTracking().Where(n => incidentIds.Contains(n.IncidentId)).OrderBy(n => n.CreatedAt).ThenBy(n => n.Id).ToListAsync(ct);

    /// <summary>Whether the technician worked one of the incident's calls: the call that opened it, calls attached to it, or its bridged legs' calls.</summary>
    public async Task<bool> WorkedAsync(Billing.Incident incident, Guid? technicianId, CancellationToken ct)
    {
        if (technicianId is null) return false;
        var worked = await history.WorkedCallSidsAsync(technicianId, ct);
        if (worked.Contains(incident.CallSid)) return true;
        return await db.IncidentCalls.AnyAsync(c => c.IncidentId == incident.Id && worked.Contains(c.CallSid), ct)
            || await db.IncidentLegs.AnyAsync(l => l.IncidentId == incident.Id && worked.Contains(l.CallSid), ct);
    }

    /// <summary>
    /// The call a technician finished last (their latest <c>finished</c> technician event), as the call it belongs to (a
    /// callback's key is turned into its call): what the desk asks a disposition for during wrap-up.
    /// </summary>
    public async Task<string?> LastFinishedCallAsync(Guid technicianId, CancellationToken ct)
    {
        var key = await db.Database.SqlQuery<string>(
            $"select data->>'callSid' as \"Value\" from technician_events where technician_id = {technicianId} and kind = 'finished' order by id desc limit 1")
            .FirstOrDefaultAsync(ct);
        if (key is null || !key.StartsWith("cb-", StringComparison.Ordinal)) return key;
        return Guid.TryParseExact(key[3..], "N", out var callbackId)
            ? await db.Callbacks.AsNoTracking().Where(c => c.Id == callbackId).Select(c => c.CallSid).FirstOrDefaultAsync(ct)
            : null;
    }
}
