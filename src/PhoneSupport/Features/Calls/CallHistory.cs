using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Desk;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Calls;

/// <summary>
/// Who reads a call's history: admins and finance read every call; a technician reads the calls they worked (a technician
/// event of theirs names the call, or one of its callbacks: reserved, whispered, accepted, declined, finished). A technician
/// key or user bound to no technician reads none.
/// </summary>
public sealed record CallViewer(bool IsTechnician, Guid? TechnicianId, string Name)
{
    /// <summary>An API key's holder (<see cref="KeyScope"/>).</summary>
    public static CallViewer OfApiKey(ClaimsPrincipal user) =>
        new(KeyScope.IsTechnician(user), KeyScope.TechnicianOf(user), user.Identity?.Name ?? "unknown");
}

/// <summary>The filters of <c>GET /api/calls</c>.</summary>
public sealed record CallFilter(Instant? From, Instant? To, Guid? AccountId, string? Provider, string? Status);

/// <summary>A call in a list: who, when, how it ended, what it was entitled to and the incident it counts towards.</summary>
public sealed record CallSummary(
    string CallSid, string Provider, string From, string To, Guid? AccountId, string? AccountName, Instant StartedAt, Instant? EndedAt,
    int? DurationSeconds, string Status, string? Decision, string? Window, Guid? IncidentId);

/// <summary>One call with its timeline (<see cref="CallTimeline.Merge"/>), its decision's reason and policy version, and its incident's notes.</summary>
public sealed record CallDetail(
    CallSummary Call, string Language, string? Reason, string? PolicyVersion, IReadOnlyList<TimelineEntry> Timeline,
    IReadOnlyList<IncidentNote> Notes, IReadOnlyDictionary<Guid, string> TechnicianNames);

/// <summary>
/// The read side of call history: a call list filtered and keyset-paged (newest first), and one call's timeline read from
/// where each fact lives — the call's event log (webhooks' steps, keys, identification, the decision with its reason and
/// policy version, routing, consent, status callbacks), technician events (reservations, whisper answers, wrap-up), the
/// queue entry, callbacks and their technician legs, the SLA record, the message, the incident with its bridged legs,
/// charges and notes — a dozen indexed look-ups, merged in the domain. Nothing is written on the IVR's path for it.
/// </summary>
public sealed class CallHistory(PhoneSupportDb db)
{
    /// <summary>The values of <c>status</c>: a live call, or how Twilio said it ended (<c>api</c>: a purchase or quote accepted through the API).</summary>
    public static readonly string[] Statuses = ["active", "completed", "busy", "noAnswer", "failed", "canceled", "api"];

    public static string StatusOf(CallRecord call) => call.EndedAt is null ? "active" : call.TwilioStatus switch
    {
        "no-answer" => "noAnswer",
        null => "completed",
        var s => s,
    };

    private static string? TwilioStatus(string status) => status switch
    {
        "noAnswer" => "no-answer",
        "active" => null,
        _ => status,
    };

    public async Task<(List<CallSummary> Items, string? NextSid)> ListAsync(CallFilter filter, CallViewer viewer, int limit, string? afterSid, CancellationToken ct)
    {
        var query = db.Calls.AsNoTracking();
        if (viewer.IsTechnician)
        {
            var worked = await WorkedCallSidsAsync(viewer.TechnicianId, ct);
            query = query.Where(c => worked.Contains(c.CallSid));
        }
        if (filter.From is { } from) query = query.Where(c => c.StartedAt >= from);
        if (filter.To is { } to) query = query.Where(c => c.StartedAt < to);
        if (filter.AccountId is { } account) query = query.Where(c => c.AccountId == account);
        if (filter.Provider is { } provider) query = query.Where(c => c.Provider == provider);
        if (filter.Status is "active") query = query.Where(c => c.EndedAt == null);
        else if (filter.Status is { } status)
        {
            var twilio = TwilioStatus(status);
            query = query.Where(c => c.EndedAt != null && c.TwilioStatus == twilio);
        }
        if (afterSid is not null && await db.Calls.AsNoTracking().Where(c => c.CallSid == afterSid).Select(c => new { c.StartedAt }).FirstOrDefaultAsync(ct) is { } last)
            query = query.Where(c => c.StartedAt < last.StartedAt || (c.StartedAt == last.StartedAt && string.Compare(c.CallSid, afterSid) < 0));
        var calls = await query.OrderByDescending(c => c.StartedAt).ThenByDescending(c => c.CallSid).Take(limit + 1).ToListAsync(ct);
        var page = calls.Take(limit).ToList();
        return (await SummariesAsync(page, ct), calls.Count > limit ? page[^1].CallSid : null);
    }

    /// <summary>Null when there is no such call, or the viewer may not read it (a technician who did not work it: the same answer, so sids are not probed).</summary>
    public async Task<CallDetail?> GetAsync(string callSid, CallViewer viewer, CancellationToken ct)
    {
        var call = await db.Calls.AsNoTracking().FirstOrDefaultAsync(c => c.CallSid == callSid, ct);
        if (call is null) return null;

        var callbacks = await db.Callbacks.AsNoTracking().Where(c => c.CallSid == callSid).ToListAsync(ct);
        var keys = callbacks.Select(Callbacks.CallbackDispatcher.Key).Append(callSid).ToArray();
        var technicianEvents = await db.TechnicianEvents
            .FromSql($"select * from technician_events where data->>'callSid' = any({keys})").AsNoTracking().ToListAsync(ct);
        if (viewer.IsTechnician && (viewer.TechnicianId is not { } me || !technicianEvents.Any(e => e.TechnicianId == me))) return null;

        var entries = new List<TimelineEntry>();
        var events = await db.CallEvents.AsNoTracking().Where(e => e.CallSid == callSid).OrderBy(e => e.Id).ToListAsync(ct);
        foreach (var e in events.Where(e => e.Kind != "webhook"))
            entries.Add(new(e.At, e.Kind, TimelineSource.CallEvent, e.Id, Values(e.Data)));
        foreach (var e in technicianEvents)
        {
            var data = Values(e.Data);
            data["technicianId"] = e.TechnicianId.ToString();
            entries.Add(new(e.At, e.Kind, TimelineSource.Technician, e.Id, data));
        }

        if (await db.QueueEntries.AsNoTracking().FirstOrDefaultAsync(q => q.CallSid == callSid, ct) is { } queued)
        {
            entries.Add(new(queued.EnqueuedAt, "queueEntered", TimelineSource.Queue, 0, Map(("priority", $"{queued.Priority}"), ("severity", $"{queued.Severity}"))));
            if (queued.Status != Queue.QueueStatus.Waiting)
                entries.Add(new(queued.UpdatedAt, "queue" + queued.Status, TimelineSource.Queue, 1,
                    Map(("technicianId", queued.TechnicianId?.ToString()))));
        }

        var callbackIds = callbacks.Select(c => c.Id).ToList();
        // The engine logs the promise it spoke (callbackScheduled, with the callback's id); a callback made elsewhere (a
        // message's promise) is read from its row, so each promise appears once.
        var spoken = entries.Where(e => e.Kind == "callbackScheduled").Select(e => e.Data.GetValueOrDefault("callbackId")).ToHashSet();
        foreach (var c in callbacks)
        {
            if (!spoken.Contains(c.Id.ToString())) entries.Add(new(c.CreatedAt, "callbackPromised", TimelineSource.Callback, 0,
                Map(("callbackId", c.Id.ToString()), ("dueAt", AdminFormats.Format(c.DueAt)), ("phoneNumber", c.PhoneNumber), ("reason", c.Reason))));
            if (c.Status is CallCore.CallbackStatus.Completed or CallCore.CallbackStatus.Missed or CallCore.CallbackStatus.Cancelled)
                entries.Add(new(c.UpdatedAt, $"callback{c.Status}", TimelineSource.Callback, 1,
                    Map(("callbackId", c.Id.ToString()), ("attempts", $"{c.Attempts}"))));
        }
        var callbackLegs = await db.CallbackLegs.AsNoTracking().Where(l => callbackIds.Contains(l.CallbackId)).ToListAsync(ct);
        foreach (var (l, i) in callbackLegs.OrderBy(l => l.CreatedAt).Select((l, i) => (l, i)))
            entries.Add(new(l.CreatedAt, l.Stray ? "callbackStrayLeg" : "callbackLeg", TimelineSource.CallbackLeg, i,
                Map(("legSid", l.CallSid), ("technicianId", l.TechnicianId?.ToString()), ("attempt", $"{l.Attempt}"), ("source", l.Source))));

        if (await db.SlaRecords.AsNoTracking().FirstOrDefaultAsync(r => r.CallSid == callSid, ct) is { } sla)
        {
            entries.Add(new(sla.StartedAt, "slaClockStarted", TimelineSource.Sla, 0,
                Map(("severity", $"{sla.Severity}"), ("target", sla.Target), ("clock", sla.Clock), ("dueAt", AdminFormats.Format(sla.DueAt)), ("policyVersion", sla.PolicyVersion))));
            if (sla.FirstContactAt is { } contact)
                entries.Add(new(contact, "slaFirstContact", TimelineSource.Sla, 1, Map(("by", sla.FirstContact?.Text()), ("met", sla.Met?.ToString().ToLowerInvariant()))));
        }

        if (await db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.CallSid == callSid, ct) is { } message)
            entries.Add(new(message.ReceivedAt, "messageReceived", TimelineSource.Message, 0,
                Map(("messageId", message.Id.ToString()), ("recordingUrl", message.RecordingUrl), ("seconds", message.DurationSeconds?.ToString()))));

        var incident = await IncidentOfAsync(callSid, ct);
        var notes = new List<IncidentNote>();
        if (incident is not null)
        {
            var attached = await db.IncidentCalls.AsNoTracking().FirstOrDefaultAsync(c => c.CallSid == callSid, ct);
            entries.Add(incident.CallSid == callSid || attached is null
                ? new(incident.OpenedAt, "incidentOpened", TimelineSource.Incident, 0,
                    Map(("incidentId", incident.Id.ToString()), ("decision", incident.Decision), ("window", incident.Window), ("policyVersion", incident.PolicyVersion)))
                : new(attached.AttachedAt, "incidentAttached", TimelineSource.Incident, 0, Map(("incidentId", incident.Id.ToString()), ("by", attached.AttachedBy))));
            var legs = await db.IncidentLegs.AsNoTracking().Where(l => l.CallSid == callSid || l.IncidentId == incident.Id).ToListAsync(ct);
            foreach (var (l, i) in legs.Where(l => l.CallSid == callSid || keys.Contains(l.CallSid)).OrderBy(l => l.At).Select((l, i) => (l, i)))
                entries.Add(new(l.At, "legBridged", TimelineSource.Incident, 10 + i, Map(("legSid", l.LegSid), ("seconds", $"{l.Seconds}"), ("source", l.Source))));
            if (incident.ClosedAt is { } closed)
                entries.Add(new(closed, "incidentClosed", TimelineSource.Incident, 1000, Map(("incidentId", incident.Id.ToString()), ("talkSeconds", $"{incident.TalkSeconds}"))));
            var charges = await db.Charges.AsNoTracking().Where(c => c.IncidentId == incident.Id).OrderBy(c => c.CreatedAt).ToListAsync(ct);
            foreach (var (c, i) in charges.Select((c, i) => (c, i)))
                entries.Add(new(c.CreatedAt, "charge", TimelineSource.Charge, i,
                    Map(("chargeId", c.Id.ToString()), ("kind", c.Kind), ("steps", $"{c.Steps}"), ("amount", $"{c.Amount}"), ("currency", c.Currency),
                        ("status", Billing.BillingStatuses.Wire(c.Status)), ("policyVersion", c.PolicyVersion))));
            notes = await db.IncidentNotes.AsNoTracking().Where(n => n.IncidentId == incident.Id).OrderBy(n => n.CreatedAt).ThenBy(n => n.Id).ToListAsync(ct);
            foreach (var (n, i) in notes.Select((n, i) => (n, i)))
                entries.Add(new(n.CreatedAt, "note", TimelineSource.Note, i, Map(("noteId", n.Id.ToString()), ("disposition", n.Disposition), ("by", n.Author))));
        }

        var technicianIds = entries.Select(e => e.Data.GetValueOrDefault("technicianId")).OfType<string>()
            .Select(t => Guid.TryParse(t, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).Distinct().ToList();
        var names = await db.Technicians.AsNoTracking().Where(t => technicianIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        var facts = call.Entitlement is { } json ? JsonSerializer.Deserialize<Dictionary<string, string?>>(json) ?? [] : [];
        var summary = (await SummariesAsync([call], ct, incident?.Id))[0];
        return new CallDetail(summary, call.Language, facts.GetValueOrDefault("reason"), facts.GetValueOrDefault("policyVersion"),
            CallTimeline.Merge(entries), notes, names);
    }

    /// <summary>The incident a call counts towards: the one it opened, the one it was attached to, or the one its bridged leg counts in.</summary>
    public async Task<Billing.Incident?> IncidentOfAsync(string callSid, CancellationToken ct)
    {
        var id = await db.Incidents.AsNoTracking().Where(i => i.CallSid == callSid).Select(i => (Guid?)i.Id).FirstOrDefaultAsync(ct)
            ?? await db.IncidentCalls.AsNoTracking().Where(c => c.CallSid == callSid).Select(c => (Guid?)c.IncidentId).FirstOrDefaultAsync(ct)
            ?? await db.IncidentLegs.AsNoTracking().Where(l => l.CallSid == callSid).Select(l => (Guid?)l.IncidentId).FirstOrDefaultAsync(ct);
        // A merged incident's calls count in the one it was merged into.
        for (var hops = 0; id is { } current && hops < 8; hops++)
        {
            var incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == current, ct);
            if (incident?.MergedIntoId is not { } into) return incident;
            id = into;
        }
        return null;
    }

    /// <summary>
    /// The calls a technician worked: every call (or callback of a call) their technician events name. Technician events are
    /// read by the technician's own index; callback keys (<c>cb-…</c>) are turned into their calls.
    /// </summary>
    public async Task<List<string>> WorkedCallSidsAsync(Guid? technicianId, CancellationToken ct)
    {
        if (technicianId is not { } me) return [];
        var named = await db.Database.SqlQuery<string>(
            $"select distinct data->>'callSid' as \"Value\" from technician_events where technician_id = {me} and data ? 'callSid'").ToListAsync(ct);
        var callbackIds = named.Where(s => s.StartsWith("cb-", StringComparison.Ordinal))
            .Select(s => Guid.TryParseExact(s[3..], "N", out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToList();
        var viaCallbacks = await db.Callbacks.AsNoTracking().Where(c => callbackIds.Contains(c.Id)).Select(c => c.CallSid).ToListAsync(ct);
        return [.. named.Where(s => !s.StartsWith("cb-", StringComparison.Ordinal)).Concat(viaCallbacks).Distinct()];
    }

    private async Task<List<CallSummary>> SummariesAsync(List<CallRecord> calls, CancellationToken ct, Guid? knownIncident = null)
    {
        var sids = calls.Select(c => c.CallSid).ToList();
        var accountIds = calls.Select(c => c.AccountId).OfType<Guid>().Distinct().ToList();
        var accounts = await db.Accounts.AsNoTracking().Where(a => accountIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Name, ct);
        var incidents = knownIncident is null
            ? (await db.Incidents.AsNoTracking().Where(i => sids.Contains(i.CallSid)).Select(i => new { i.CallSid, i.Id }).ToListAsync(ct))
                .Concat(await db.IncidentCalls.AsNoTracking().Where(c => sids.Contains(c.CallSid)).Select(c => new { c.CallSid, Id = c.IncidentId }).ToListAsync(ct))
                .GroupBy(x => x.CallSid).ToDictionary(g => g.Key, g => g.Last().Id)
            : [];
        return [.. calls.Select(c =>
        {
            var facts = c.Entitlement is { } json ? JsonSerializer.Deserialize<Dictionary<string, string?>>(json) ?? [] : [];
            return new CallSummary(c.CallSid, c.Provider, c.FromNumber, c.ToNumber, c.AccountId,
                c.AccountId is { } a ? accounts.GetValueOrDefault(a) : null, c.StartedAt, c.EndedAt, c.DurationSeconds, StatusOf(c),
                facts.GetValueOrDefault("decision"), facts.GetValueOrDefault("window"),
                knownIncident ?? (incidents.TryGetValue(c.CallSid, out var incident) ? incident : null));
        })];
    }

    private static Dictionary<string, string?> Map(params (string Key, string? Value)[] values) =>
        values.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => v.Value);

    /// <summary>An event's JSON object as named texts (numbers and booleans as written, nested values as JSON).</summary>
    private static Dictionary<string, string?> Values(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object) return [];
        return document.RootElement.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null)
            .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText());
    }
}
