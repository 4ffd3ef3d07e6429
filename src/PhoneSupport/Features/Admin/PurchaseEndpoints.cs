using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Features.Billing;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

public static class PurchaseEndpoints
{
    public static RouteGroupBuilder MapPurchases(this RouteGroupBuilder api)
    {
        api.MapPost("/purchases", (HttpRequest request, PurchasesHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<CreatePurchaseRequest, Created<PurchaseResource>>(request, body => handler.BuyAsync(body, Actor(request), ct), ct))
            .RequireAuthorization(AdminPolicies.Finance).WithTags("Purchases and quotes").JsonBody<CreatePurchaseRequest>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/purchases", ([FromQuery] string? accountId, [FromQuery] string? limit, PurchasesHandler handler, CancellationToken ct) => handler.ListPurchasesAsync(accountId, limit, ct))
            .RequireAuthorization(AdminPolicies.Finance).WithTags("Purchases and quotes").ProducesValidationProblem();
        api.MapPost("/quotes", (HttpRequest request, PurchasesHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<CreateQuoteRequest, Created<QuoteResource>>(request, body => handler.QuoteAsync(body, Actor(request), ct), ct))
            .RequireAuthorization(TechnicianPolicies.Quotes).WithTags("Purchases and quotes").JsonBody<CreateQuoteRequest>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/quotes", ([FromQuery] string? accountId, [FromQuery] string? limit, [FromQuery] string? status, PurchasesHandler handler, CancellationToken ct) =>
                handler.ListQuotesAsync(accountId, limit, ct, status))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Purchases and quotes").ProducesValidationProblem();
        api.MapPost("/quotes/{id}/price", (string id, HttpRequest request, PurchasesHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<PriceQuoteRequest, Ok<QuoteResource>>(request, body => handler.PriceAsync(id, body, Actor(request), ct), ct))
            .RequireAuthorization(TechnicianPolicies.Quotes).WithTags("Purchases and quotes").JsonBody<PriceQuoteRequest>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/quotes/{id}/accept", (string id, HttpRequest request, PurchasesHandler handler, CancellationToken ct) => handler.AcceptAsync(id, Actor(request), ct))
            .RequireAuthorization(AdminPolicies.Finance).WithTags("Purchases and quotes").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/incidents/{id}/calls", (string id, HttpRequest request, PurchasesHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<AttachCallRequest, Ok<AttachedResource>>(request, body =>
                    handler.AttachAsync(id, body, Actor(request), ct, mayWaive: !KeyScope.IsTechnician(request.HttpContext.User)), ct))
            .RequireAuthorization(TechnicianPolicies.Availability).WithTags("Incidents").JsonBody<AttachCallRequest>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static string Actor(HttpRequest request) => request.HttpContext.User.Identity?.Name ?? "unknown";
}

public sealed record CreatePurchaseRequest(string? AccountId, int? Minutes);
public sealed record CreateQuoteRequest(string? AccountId, int? EstimatedMinutes, string? RequestCallSid);
public sealed record AttachCallRequest(string? CallSid);
public sealed record PriceQuoteRequest(int? EstimatedMinutes);
public sealed record AttachedResource(Guid IncidentId, string CallSid, string Status);

public sealed record CallbackRef(Guid Id, string DueAt, string NotBefore, string Status);

/// <summary>A bought phone incident: its block, price, rate beyond it, the consent, the contact it was recorded on and its callback.</summary>
public sealed record PurchaseResource(Guid Id, Guid AccountId, string Provider, string Channel, string Window, int Minutes, MoneyResource Price,
    MoneyResource RatePerHour, string CallSid, System.Text.Json.JsonElement Consent, CallbackRef? Callback, string CreatedAt);

/// <summary>
/// An after-hours quote: rate × estimated minutes, its validity and, once accepted, its contact and callback. A quote requested by
/// phone has no estimate and amount until priced, and carries the caller's number and when its SMS went out.
/// </summary>
public sealed record QuoteResource(Guid Id, Guid AccountId, string Provider, string Window, int? EstimatedMinutes, MoneyResource RatePerHour, MoneyResource? Amount,
    string Status, string CreatedBy, string CreatedAt, string ExpiresAt, string? AcceptedAt, string? AcceptedBy, string? CallSid, CallbackRef? Callback, string? RequestedCallSid,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? PhoneNumber = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? SentAt = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? SmsSid = null);

public sealed class PurchasesHandler(PhoneSupportDb db, PurchaseService purchases, PhoneQuoteService phoneQuotes, IncidentService incidents, NodaTime.IClock clock)
{
    public async Task<Results<Created<PurchaseResource>, ProblemHttpResult>> BuyAsync(CreatePurchaseRequest body, string actor, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        var account = AdminFormats.Id(body.AccountId, "accountId", errors);
        if (body.Minutes is null) errors.Add("minutes", "Required: 30 or 60.");
        if (errors.Any) return Problems.Validation(errors);
        var (purchase, refusal) = await purchases.BuyAsync(account!.Value, body.Minutes!.Value, actor, ct);
        if (refusal is not null) return Refuse(refusal);
        var resource = await PurchaseOf(purchase!, ct);
        return TypedResults.Created($"/api/purchases/{purchase!.Id}", resource);
    }

    public async Task<Results<Ok<Page<PurchaseResource>>, ProblemHttpResult>> ListPurchasesAsync(string? accountText, string? limitText, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var account = AdminFormats.Id(accountText, "accountId", errors, required: false);
        var limit = AdminFormats.Limit(limitText, errors);
        if (errors.Any) return Problems.Validation(errors);
        var query = db.Purchases.AsNoTracking();
        if (account is { } a) query = query.Where(p => p.AccountId == a);
        var rows = await query.OrderByDescending(p => p.CreatedAt).Take(limit).ToListAsync(ct);
        var items = new List<PurchaseResource>();
        foreach (var row in rows) items.Add(await PurchaseOf(row, ct));
        return TypedResults.Ok(new Page<PurchaseResource>(items, null));
    }

    public async Task<Results<Created<QuoteResource>, ProblemHttpResult>> QuoteAsync(CreateQuoteRequest body, string actor, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        var account = AdminFormats.Id(body.AccountId, "accountId", errors);
        if (body.EstimatedMinutes is null) errors.Add("estimatedMinutes", "Required: the estimated minutes of support (1-600).");
        if (errors.Any) return Problems.Validation(errors);
        var (quote, refusal) = await purchases.QuoteAsync(account!.Value, body.EstimatedMinutes!.Value, string.IsNullOrWhiteSpace(body.RequestCallSid) ? null : body.RequestCallSid, actor, ct);
        if (refusal is not null) return Refuse(refusal);
        return TypedResults.Created($"/api/quotes/{quote!.Id}", await QuoteOf(quote, ct));
    }

    public static readonly string[] QuoteStatuses = ["requested", "priced", "sent", "accepted", "expired"];

    public async Task<Results<Ok<Page<QuoteResource>>, ProblemHttpResult>> ListQuotesAsync(string? accountText, string? limitText, CancellationToken ct, string? status = null)
    {
        var errors = new FieldErrors();
        var account = AdminFormats.Id(accountText, "accountId", errors, required: false);
        var limit = AdminFormats.Limit(limitText, errors);
        if (string.IsNullOrEmpty(status)) status = null;
        else if (!QuoteStatuses.Contains(status, StringComparer.Ordinal)) errors.Add("status", $"'{status}' is not a quote status; one of: {string.Join(", ", QuoteStatuses)}.");
        if (errors.Any) return Problems.Validation(errors);
        var query = db.Quotes.AsNoTracking();
        if (account is { } a) query = query.Where(q => q.AccountId == a);
        // "expired" is a sent quote past its validity; "sent" only those still open.
        var now = clock.GetCurrentInstant();
        if (status == "expired") query = query.Where(q => q.Status == "sent" && q.ExpiresAt <= now);
        else if (status == "sent") query = query.Where(q => q.Status == "sent" && q.ExpiresAt > now);
        else if (status is not null) query = query.Where(q => q.Status == status);
        var rows = await query.OrderByDescending(q => q.CreatedAt).Take(limit).ToListAsync(ct);
        var items = new List<QuoteResource>();
        foreach (var row in rows) items.Add(await QuoteOf(row, ct));
        return TypedResults.Ok(new Page<QuoteResource>(items, null));
    }

    public async Task<Results<Ok<QuoteResource>, ProblemHttpResult>> PriceAsync(string idText, PriceQuoteRequest body, string actor, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        if (!Guid.TryParse(idText, out var id)) return Problems.NotFound($"No quote '{idText}'.");
        if (body.EstimatedMinutes is null) return Problems.Validation("estimatedMinutes", "Required: the estimated minutes of support (1-600).");
        var (quote, refusal) = await phoneQuotes.PriceAsync(id, body.EstimatedMinutes.Value, actor, ct);
        if (refusal is not null) return Refuse(refusal);
        return TypedResults.Ok(await QuoteOf(quote!, ct));
    }

    public async Task<Results<Ok<QuoteResource>, ProblemHttpResult>> AcceptAsync(string idText, string actor, CancellationToken ct)
    {
        if (!Guid.TryParse(idText, out var id)) return Problems.NotFound($"No quote '{idText}'.");
        var (quote, refusal) = await purchases.AcceptAsync(id, actor, ct);
        if (refusal is not null) return Refuse(refusal);
        return TypedResults.Ok(await QuoteOf(quote!, ct));
    }

    public async Task<Results<Ok<AttachedResource>, ProblemHttpResult>> AttachAsync(string idText, AttachCallRequest body, string actor, CancellationToken ct, bool mayWaive = true)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        if (!Guid.TryParse(idText, out var id)) return Problems.NotFound($"No incident '{idText}'.");
        if (string.IsNullOrWhiteSpace(body.CallSid)) return Problems.Validation("callSid", "Required: the Twilio CallSid of the call to attach.");
        var (incident, refusal) = await incidents.AttachAsync(id, body.CallSid.Trim(), actor, ct, mayWaive);
        if (refusal is not null) return Refuse(refusal);
        var status = await db.Incidents.AsNoTracking().Where(i => i.Id == incident!.Id).Select(i => i.Status).SingleAsync(ct);
        return TypedResults.Ok(new AttachedResource(incident!.Id, body.CallSid.Trim(), status));
    }

    private static ProblemHttpResult Refuse(BillingRefusal refusal) =>
        refusal.NotFound ? Problems.NotFound(refusal.Message)
        : refusal.Forbidden ? KeyScope.Forbidden(refusal.Message)
        : refusal.Field is "minutes" or "estimatedMinutes" ? Problems.Validation(refusal.Field, refusal.Message)
        : Problems.Conflict(refusal.Field, refusal.Message);

    private async Task<CallbackRef?> CallbackAsync(Guid? id, CancellationToken ct) => id is { } cb
        ? await db.Callbacks.AsNoTracking().Where(c => c.Id == cb).Select(c => new { c.Id, c.DueAt, c.NotBefore, c.Status }).FirstOrDefaultAsync(ct) is { } c
            ? new CallbackRef(c.Id, AdminFormats.Format(c.DueAt), AdminFormats.Format(c.NotBefore), CallCore.CallbackStatuses.Wire(c.Status)) : null
        : null;

    private async Task<PurchaseResource> PurchaseOf(Purchase p, CancellationToken ct) => new(
        p.Id, p.AccountId, p.Provider, p.Channel, p.Window, p.Minutes, new MoneyResource(p.Price, p.Currency), new MoneyResource(p.RatePerHour, p.Currency), p.CallSid,
        System.Text.Json.JsonDocument.Parse(p.Consent).RootElement.Clone(), await CallbackAsync(p.CallbackId, ct), AdminFormats.Format(p.CreatedAt));

    private async Task<QuoteResource> QuoteOf(Quote q, CancellationToken ct) => new(
        q.Id, q.AccountId, q.Provider, q.Window, q.EstimatedMinutes, new MoneyResource(q.RatePerHour, q.Currency), q.Amount is { } amount ? new MoneyResource(amount, q.Currency) : null,
        q.StatusAt(clock.GetCurrentInstant()), q.CreatedBy, AdminFormats.Format(q.CreatedAt), AdminFormats.Format(q.ExpiresAt),
        q.AcceptedAt is { } at ? AdminFormats.Format(at) : null, q.AcceptedBy, q.CallSid, await CallbackAsync(q.CallbackId, ct), q.RequestedCallSid,
        q.PhoneNumber, q.SentAt is { } sent ? AdminFormats.Format(sent) : null, q.SmsSid);
}
