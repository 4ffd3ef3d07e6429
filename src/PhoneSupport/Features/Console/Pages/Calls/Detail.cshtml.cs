using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using PhoneSupport.Domain.Desk;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Calls;

namespace PhoneSupport.Features.Console.Pages.Calls;

/// <summary>
/// One call and its timeline (<see cref="CallHistory"/>), reached from the desk, the board and the finance pages; the notes of
/// its incident, and a note with a disposition for admins and the technician who worked it (the API's rules,
/// <see cref="IncidentNotes"/>). A technician who did not work the call gets the same 404 as for an unknown call.
/// </summary>
public sealed class DetailModel(CallHistory history, IncidentNotes notes) : PageModel
{
    [FromRoute]
    public string CallSid { get; set; } = "";

    [BindProperty]
    public NoteForm Note { get; set; } = new();

    [FromQuery(Name = "noted")]
    public bool Noted { get; set; }

    public CallDetail? Detail { get; private set; }

    /// <summary>Admins and technicians write notes; finance reads them.</summary>
    public bool MayWrite => User.IsInRole(StaffRoles.Admin) || User.IsInRole(StaffRoles.Technician);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) =>
        (Detail = await history.GetAsync(CallSid, TechnicianDesk.CallViewerOf(User), ct)) is null ? NotFound() : Page();

    public async Task<IActionResult> OnPostNoteAsync(CancellationToken ct)
    {
        if ((Detail = await history.GetAsync(CallSid, TechnicianDesk.CallViewerOf(User), ct)) is null) return NotFound();
        if (!MayWrite) return Forbid();
        if (Detail.Call.IncidentId is not { } incident)
        {
            ModelState.AddModelError("", "This call has no incident yet: notes go on an incident once a technician was connected.");
        }
        else
        {
            var (outcome, _, field, why) = await notes.AddAsync(incident, Note.Text, string.IsNullOrEmpty(Note.Disposition) ? null : Note.Disposition, TechnicianDesk.CallViewerOf(User), ct);
            if (outcome == NoteOutcome.Added) return Redirect($"/console/calls/{Uri.EscapeDataString(CallSid)}?noted=true#notes-title");
            if (outcome == NoteOutcome.Forbidden) return Forbid();
            ModelState.AddModelError(field is null ? "" : "Note." + char.ToUpperInvariant(field[0]) + field[1..], why ?? "The note was not saved.");
        }
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>What a timeline entry says, in words (the API keeps the raw facts).</summary>
    public string Describe(TimelineEntry e)
    {
        string? V(string key) => e.Data.GetValueOrDefault(key);
        var technician = V("technicianId") is { } t && Guid.TryParse(t, out var id) && Detail!.TechnicianNames.TryGetValue(id, out var name) ? name : null;
        return e.Kind switch
        {
            "step" => $"Step {V("step")} ({V("kind")})",
            "input" => $"Caller {(V("kind") == "speech" ? "said" : "pressed")} {V("value") ?? "nothing"} at {V("step")}",
            "language" => $"Language {V("language")}",
            "identify" => $"Identification by {V("action")}: {V("result")}{(V("contractNumber") is { } c ? $", contract {c}" : "")}",
            "decision" => $"Decision {V("decision")} ({V("window")}{(V("holiday") is { } h ? ", " + h : "")}): {V("reason")} · policy {V("policyVersion")}",
            "allowance" => $"Included incident {V("result")}",
            "consent" => $"Consent: pressed {V("key")} at {V("step")}",
            "routing" => V("result") == "reserved" ? $"Technician reserved (attempt {V("attempt") ?? "1"}{(V("from") is { } f ? ", from the " + f : "")})" : $"No technician ({V("result")})",
            "reserved" => $"{technician ?? "A technician"} reserved",
            "accepted" => $"{technician ?? "The technician"} accepted the whisper",
            "finished" => $"{technician ?? "The technician"} finished; wrap-up",
            "connected" => $"Connected to {technician ?? "the technician"}{(V("seconds") is { } s && int.TryParse(s, out var sec) ? $" for {ConsoleFormat.Words(NodaTime.Duration.FromSeconds(sec))}" : "")}",
            "dialFailed" => $"Ringing {technician ?? "the technician"} failed ({V("status")})",
            "queued" or "queueEntered" => $"Queued (priority {V("priority")}, severity {V("severity")})",
            "queueLeft" => $"Left the queue ({V("result")})",
            "callbackScheduled" or "callbackPromised" => $"Callback promised by {Due(V("dueAt"))}",
            "callbackLeg" => $"Callback leg to {technician ?? "a technician"} (attempt {V("attempt")})",
            "callbackCompleted" or "callbackMissed" or "callbackCancelled" => $"Callback {e.Kind["callback".Length..].ToLowerInvariant()}",
            "slaClockStarted" => $"SLA: severity {V("severity")}, {ConsoleFormat.Words(V("target") ?? "")} on the {V("clock")} clock, due {Due(V("dueAt"))}",
            "slaFirstContact" => $"SLA first contact ({V("by")}){(V("met") == "true" ? ", met" : V("met") == "false" ? ", missed" : "")}",
            "messageReceived" or "messageStored" => "Message left",
            "legBridged" => $"Talk leg of {ConsoleFormat.Words(NodaTime.Duration.FromSeconds(int.TryParse(V("seconds"), out var s2) ? s2 : 0))} ({V("source")})",
            "incidentOpened" => $"Incident opened ({V("decision")}, {V("window")})",
            "incidentAttached" => $"Attached to an earlier incident by {V("by")}",
            "incidentClosed" => $"Incident closed, talk {ConsoleFormat.Words(NodaTime.Duration.FromSeconds(int.TryParse(V("talkSeconds"), out var s3) ? s3 : 0))}",
            "charge" => $"Charge {V("kind")}: {(long.TryParse(V("amount"), out var minor) ? ConsoleFormat.Money(minor, V("currency") ?? "usd") : V("amount"))} in {V("steps")} step(s), {V("status")}",
            "note" => $"Note by {V("by")}{(V("disposition") is { } d ? $" · {Dispositions.Words(d)}" : "")}",
            "status" => $"Twilio status {V("callStatus")}{(V("callDuration") is { } cd && int.TryParse(cd, out var s4) ? $" ({ConsoleFormat.Words(NodaTime.Duration.FromSeconds(s4))})" : "")}",
            "ended" => "Flow ended",
            _ => e.Kind,
        };
    }

    private static string Due(string? iso) =>
        iso is not null && NodaTime.Text.InstantPattern.ExtendedIso.Parse(iso) is { Success: true } parsed ? ConsoleFormat.Instant(parsed.Value) : iso ?? "—";

    public sealed class NoteForm
    {
        public string? Text { get; set; }
        public string? Disposition { get; set; }
    }
}
