using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PhoneSupport.Domain.Desk;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Calls;

/// <summary>Call history (<c>GET /api/calls</c>, <c>GET /api/calls/{callSid}</c>) and incident notes (<c>POST /api/incidents/{id}/notes</c>).</summary>
public static class CallsFeature
{
    public static WebApplicationBuilder AddCalls(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<CallHistory>();
        builder.Services.AddScoped<IncidentNotes>();
        builder.Services.AddScoped<CallsHandler>();
        return builder;
    }

    public static RouteGroupBuilder MapCalls(this RouteGroupBuilder api)
    {
        api.MapGet("/calls", ([AsParameters] CallQuery query, HttpContext http, CallsHandler handler, CancellationToken ct) =>
                handler.ListAsync(query, CallViewer.OfApiKey(http.User), ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Calls").ProducesValidationProblem();
        api.MapGet("/calls/{callSid}", (string callSid, HttpContext http, CallsHandler handler, CancellationToken ct) =>
                handler.GetAsync(callSid, CallViewer.OfApiKey(http.User), ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Calls").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/incidents/{id}/notes", (string id, HttpRequest request, CallsHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<NoteRequest, Created<IncidentNoteResource>>(request,
                    body => handler.AddNoteAsync(id, body, CallViewer.OfApiKey(request.HttpContext.User), ct), ct))
            .RequireAuthorization(TechnicianPolicies.Availability).WithTags("Incidents").JsonBody<NoteRequest>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}

/// <summary>The filters of <c>GET /api/calls</c>: <c>from</c>/<c>to</c> on the call's start (from inclusive, to exclusive).</summary>
public sealed record CallQuery([FromQuery] string? From, [FromQuery] string? To, [FromQuery] string? AccountId, [FromQuery] string? Provider,
    [FromQuery] string? Status, [FromQuery] string? Limit, [FromQuery] string? Cursor);

public sealed record NoteRequest([property: TextLimit(Dispositions.MaxNoteLength, MultiLine = true)] string? Text, string? Disposition);

/// <summary>A call in <c>GET /api/calls</c>. Phone numbers are shown whole, as every other endpoint shows them to its roles.</summary>
public sealed record CallResource(
    string CallSid, string Provider, string From, string To, Guid? AccountId, string? AccountName, string StartedAt, string? EndedAt,
    int? DurationSeconds, string Status, string? Decision, string? Window, Guid? IncidentId)
{
    public static CallResource Of(CallSummary c) => new(c.CallSid, c.Provider, c.From, c.To, c.AccountId, c.AccountName,
        AdminFormats.Format(c.StartedAt), c.EndedAt is { } ended ? AdminFormats.Format(ended) : null, c.DurationSeconds, c.Status, c.Decision, c.Window, c.IncidentId);
}

/// <summary>One timeline entry: when, what, where it was read from, and its facts (technicians named).</summary>
public sealed record TimelineItemResource(string At, string Kind, string Source, IReadOnlyDictionary<string, string?> Data);

/// <summary><c>GET /api/calls/{callSid}</c>: the call, its decision's reason and policy version, its timeline in order, and its incident's notes.</summary>
public sealed record CallDetailResource(
    string CallSid, string Provider, string From, string To, Guid? AccountId, string? AccountName, string StartedAt, string? EndedAt,
    int? DurationSeconds, string Status, string? Decision, string? Window, Guid? IncidentId, string Language, string? Reason, string? PolicyVersion,
    IReadOnlyList<TimelineItemResource> Timeline, IReadOnlyList<IncidentNoteResource> Notes)
{
    public static CallDetailResource Of(CallDetail d)
    {
        var c = d.Call;
        return new(c.CallSid, c.Provider, c.From, c.To, c.AccountId, c.AccountName, AdminFormats.Format(c.StartedAt),
            c.EndedAt is { } ended ? AdminFormats.Format(ended) : null, c.DurationSeconds, c.Status, c.Decision, c.Window, c.IncidentId,
            d.Language, d.Reason, d.PolicyVersion,
            [.. d.Timeline.Select(e => new TimelineItemResource(AdminFormats.Format(e.At), e.Kind, Source(e.Source), Named(e.Data, d.TechnicianNames)))],
            [.. d.Notes.Select(CallsHandler.NoteOf)]);
    }

    private static string Source(TimelineSource source) => source switch
    {
        TimelineSource.CallEvent => "call",
        TimelineSource.CallbackLeg => "callbackLeg",
        _ => char.ToLowerInvariant(source.ToString()[0]) + source.ToString()[1..],
    };

    private static Dictionary<string, string?> Named(IReadOnlyDictionary<string, string?> data, IReadOnlyDictionary<Guid, string> names)
    {
        var named = new Dictionary<string, string?>(data);
        if (data.GetValueOrDefault("technicianId") is { } t && Guid.TryParse(t, out var id) && names.TryGetValue(id, out var name))
            named["technicianName"] = name;
        return named;
    }
}

public sealed class CallsHandler(CallHistory history, IncidentNotes notes, Domain.Policies.PolicyCatalog policies)
{
    public async Task<Results<Ok<Page<CallResource>>, ProblemHttpResult>> ListAsync(CallQuery q, CallViewer viewer, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var from = string.IsNullOrEmpty(q.From) ? null : AdminFormats.Instant(q.From, "from", errors);
        var to = string.IsNullOrEmpty(q.To) ? null : AdminFormats.Instant(q.To, "to", errors);
        var account = AdminFormats.Id(q.AccountId, "accountId", errors, required: false);
        if (!string.IsNullOrEmpty(q.Provider) && policies.For(q.Provider) is null)
            errors.Add("provider", $"'{q.Provider}' is not a loaded policy: one of {string.Join(", ", policies.Policies.Select(p => p.Provider))}.");
        if (!string.IsNullOrEmpty(q.Status) && !CallHistory.Statuses.Contains(q.Status, StringComparer.Ordinal))
            errors.Add("status", $"'{q.Status}' is not one of {string.Join(", ", CallHistory.Statuses)}.");
        var limit = AdminFormats.Limit(q.Limit, errors);
        var cursor = Cursor(q.Cursor, errors);
        if (from is { } f && to is { } t && t <= f) errors.Add("to", "Must be after 'from'.");
        if (errors.Any) return Problems.Validation(errors);
        var (items, next) = await history.ListAsync(new CallFilter(from, to, account, NullIfEmpty(q.Provider), NullIfEmpty(q.Status)), viewer, limit, cursor, ct);
        return TypedResults.Ok(new Page<CallResource>([.. items.Select(CallResource.Of)], next is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(next))));
    }

    public async Task<Results<Ok<CallDetailResource>, ProblemHttpResult>> GetAsync(string callSid, CallViewer viewer, CancellationToken ct)
    {
        var detail = await history.GetAsync(callSid, viewer, ct);
        return detail is null ? Problems.NotFound($"No call '{callSid}'{(viewer.IsTechnician ? " that you worked" : "")}.") : TypedResults.Ok(CallDetailResource.Of(detail));
    }

    public async Task<Results<Created<IncidentNoteResource>, ProblemHttpResult>> AddNoteAsync(string idText, NoteRequest body, CallViewer viewer, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        var id = AdminFormats.Id(idText, "id", errors);
        if (errors.Any) return Problems.Validation(errors);
        var (outcome, note, field, why) = await notes.AddAsync(id!.Value, body.Text, string.IsNullOrEmpty(body.Disposition) ? null : body.Disposition, viewer, ct);
        return outcome switch
        {
            NoteOutcome.Added => TypedResults.Created($"/api/incidents/{id}", NoteOf(note!)),
            NoteOutcome.NotFound => Problems.NotFound($"No incident '{idText}'."),
            NoteOutcome.Forbidden => KeyScope.Forbidden(why!),
            _ => Problems.Validation(field!, why!),
        };
    }

    public static IncidentNoteResource NoteOf(IncidentNote n) => new(n.Id, n.Text, n.Disposition, n.Author, AdminFormats.Format(n.CreatedAt));

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    /// <summary>The opaque cursor: the last call's sid, base64url (call sids are ASCII).</summary>
    private static string? Cursor(string? text, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(text)) return null;
        try
        {
            var sid = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
            if (sid.Length is > 0 and <= 64 && sid.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return sid;
        }
        catch (FormatException)
        {
        }
        errors.Add("cursor", "Not a cursor this API gave out (pass the 'next' of the previous page).");
        return null;
    }
}

/// <summary>A note on an incident: its text, the disposition it records (or null), who wrote it (staff user or API key name) and when.</summary>
public sealed record IncidentNoteResource(Guid Id, string Text, string? Disposition, string By, string At);
