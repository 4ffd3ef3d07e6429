using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Features.Billing;
using PhoneSupport.Features.Platform;
using PhoneSupport.Twilio;
using Twilio.TwiML;

namespace PhoneSupport.Features.Messages;

/// <summary>Voicemail messages (and the quotes asked for in them): Twilio's recording and SMS webhooks, and the admin API.</summary>
public static class MessagesFeature
{
    public static WebApplicationBuilder AddMessages(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<MessageService>();
        builder.Services.AddScoped<MessagesHandler>();
        return builder;
    }

    /// <summary>In the signature-checked <c>/twilio</c> group: the recording status callback and incoming SMS (quote acceptance).</summary>
    public static RouteGroupBuilder MapMessageWebhooks(this RouteGroupBuilder twilio)
    {
        twilio.MapPost("/voice/recording", async (HttpRequest http, [FromQuery] string? call, MessageService messages, CancellationToken ct) =>
        {
            var form = await http.ReadFormAsync(ct);
            var callSid = call ?? form["CallSid"].FirstOrDefault();
            if (callSid is not null)
                await messages.AttachRecordingAsync(callSid, form["RecordingSid"].FirstOrDefault(), form["RecordingUrl"].FirstOrDefault(),
                    int.TryParse(form["RecordingDuration"].FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, out var seconds) ? seconds : null,
                    form["RecordingStatus"].FirstOrDefault(), ct);
            return Results.NoContent();
        });
        twilio.MapPost("/sms", async (HttpRequest http, PhoneQuoteService quotes, CancellationToken ct) =>
        {
            var form = await http.ReadFormAsync(ct);
            var reply = await quotes.ReplyAsync(form["From"].FirstOrDefault(), form["Body"].FirstOrDefault(), ct);
            var response = new MessagingResponse();
            if (reply is not null) response.Message(reply);
            return response.ToResult();
        });
        return twilio;
    }

    public static RouteGroupBuilder MapMessages(this RouteGroupBuilder api)
    {
        api.MapGet("/messages", ([FromQuery] string? status, [FromQuery] string? limit, [FromQuery] string? cursor, MessagesHandler handler, CancellationToken ct) =>
                handler.ListAsync(status, limit, cursor, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Messages").ProducesValidationProblem();
        api.MapGet("/messages/{id}", (string id, MessagesHandler handler, CancellationToken ct) => handler.GetAsync(id, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Messages").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/messages/{id}/handled", (string id, HttpRequest request, MessagesHandler handler, CancellationToken ct) =>
                handler.HandledAsync(id, request.HttpContext.User.Identity?.Name ?? "unknown", ct))
            .RequireAuthorization(TechnicianPolicies.Availability).WithTags("Messages").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}

/// <summary>A caller's message: the recording (once Twilio has it), the callback it promised or the quote it asked for, and whether staff handled it.</summary>
public sealed record MessageResource(
    Guid Id, string CallSid, string Provider, string From,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? AccountId,
    string? RecordingUrl, int? DurationSeconds, string ReceivedAt, Guid? CallbackId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? QuoteId,
    string Status)
{
    public static MessageResource Of(Message m) => new(m.Id, m.CallSid, m.Provider, m.FromNumber, m.AccountId, m.RecordingUrl, m.DurationSeconds,
        AdminFormats.Format(m.ReceivedAt), m.CallbackId, m.QuoteId, m.Status.Text());
}

public sealed class MessagesHandler(PhoneSupportDb db, MessageService messages)
{
    public static readonly IReadOnlyList<string> Statuses = StoredText<MessageStatus>.All;

    /// <summary>Newest first (ids are time-ordered UUIDv7); the cursor is the last message's id.</summary>
    public async Task<Results<Ok<Page<MessageResource>>, ProblemHttpResult>> ListAsync(string? status, string? limitText, string? cursorText, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var limit = AdminFormats.Limit(limitText, errors);
        var after = AdminFormats.Cursor(cursorText, errors);
        MessageStatus? wanted = null;
        if (string.IsNullOrEmpty(status)) wanted = null;
        else if (StoredText<MessageStatus>.TryParse(status, out var parsed)) wanted = parsed;
        else errors.Add("status", $"'{status}' is not a message status; one of: {string.Join(", ", Statuses)}.");
        if (errors.Any) return Problems.Validation(errors);

        var query = db.Messages.AsNoTracking();
        if (wanted is { } only) query = query.Where(m => m.Status == only);
        if (after is { } last) query = query.Where(m => m.Id < last);
        var rows = await query.OrderByDescending(m => m.Id).Take(limit + 1).ToListAsync(ct);
        var page = rows.Take(limit).Select(MessageResource.Of).ToList();
        return TypedResults.Ok(new Page<MessageResource>(page, rows.Count > limit ? AdminFormats.Cursor(page[^1].Id) : null));
    }

    public async Task<Results<Ok<MessageResource>, ProblemHttpResult>> GetAsync(string idText, CancellationToken ct)
    {
        var message = Guid.TryParse(idText, out var id) ? await db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct) : null;
        return message is null ? Problems.NotFound($"No message '{idText}'.") : TypedResults.Ok(MessageResource.Of(message));
    }

    public async Task<Results<Ok<MessageResource>, ProblemHttpResult>> HandledAsync(string idText, string actor, CancellationToken ct)
    {
        var message = Guid.TryParse(idText, out var id) ? await messages.MarkHandledAsync(id, actor, ct) : null;
        return message is null ? Problems.NotFound($"No message '{idText}'.") : TypedResults.Ok(MessageResource.Of(message));
    }
}
