using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PhoneSupport.Domain.Billing;
using PhoneSupport.Features.Billing;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

public static class ChargeEndpoints
{
    public static RouteGroupBuilder MapCharges(this RouteGroupBuilder api)
    {
        api.MapGet("/charges", ([AsParameters] ChargeQuery query, ChargesHandler handler, CancellationToken ct) => handler.ListAsync(query, ct))
            .RequireAuthorization(AdminPolicies.Finance).WithTags("Charges").ProducesValidationProblem();
        api.MapGet("/charges/totals", ([FromQuery] string? from, [FromQuery] string? to, ChargesHandler handler, CancellationToken ct) => handler.TotalsAsync(from, to, ct))
            .RequireAuthorization(AdminPolicies.Finance).WithTags("Charges").ProducesValidationProblem();
        api.MapGet("/charges.csv", ([AsParameters] ChargeQuery query, HttpContext http, ChargesHandler handler, CancellationToken ct) => handler.CsvAsync(query, http, ct))
            .RequireAuthorization(AdminPolicies.Finance).WithTags("Charges").Produces<string>(StatusCodes.Status200OK, "text/csv").ProducesValidationProblem();
        api.MapGet("/charges/{id}", (string id, ChargesHandler handler, CancellationToken ct) => handler.GetAsync(id, ct))
            .RequireAuthorization(AdminPolicies.Finance).WithTags("Charges").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/charges/{id}/waive", (string id, HttpRequest request, ChargesHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<WaiveRequest, Ok<ChargeResource>>(request, body => handler.WaiveAsync(id, body, request.HttpContext.User.Identity?.Name ?? "unknown", ct), ct))
            .RequireAuthorization(AdminPolicies.Finance).WithTags("Charges").JsonBody<WaiveRequest>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }
}

/// <summary>The filters of <c>GET /api/charges</c> and <c>/api/charges.csv</c>.</summary>
public sealed record ChargeQuery([FromQuery] string? From, [FromQuery] string? To, [FromQuery] string? Status, [FromQuery] string? AccountId,
    [FromQuery] string? Limit, [FromQuery] string? Cursor);

public sealed record WaiveRequest([property: TextLimit(500, MultiLine = true)] string? Reason);

public sealed record ConsentResource(long? EventId, string CallSid, string? At, string Channel, string? Step, string? Key, string? Prompt, string? Price, string? Actor);

public sealed record StripeResource(string? Customer, string? InvoiceItem, string? Invoice, string? InvoiceNumber, string? PaymentIntent, string? Charge,
    string? CreditNote, string? Refund);

public sealed record WaiverResource(string Reason, string By, string At);

/// <summary>A charge: its incident, window, rate, billed steps, amount, the consent that authorised it, its Stripe side and status.</summary>
public sealed record ChargeResource(
    Guid Id, Guid IncidentId, Guid? AccountId, string? AccountName, string? Provider, string CallSid, string Kind, string Origin, string Window,
    MoneyResource RatePerHour, int BilledSeconds, int Steps, MoneyResource Amount, string Status, string? StatusReason, string Description,
    ConsentResource? Consent, string PolicyVersion, StripeResource Stripe, WaiverResource? Waived, string CreatedAt, string UpdatedAt, string? PostingStartedAt)
{
    public static ChargeResource Of(ChargeView c) => new(
        c.Id, c.IncidentId, c.AccountId, c.AccountName, c.Provider, c.CallSid, c.Kind, c.Origin, c.Window, MoneyResource.Of(c.RatePerHour), c.BilledSeconds, c.Steps,
        MoneyResource.Of(c.Amount), c.Status, c.StatusReason, c.Description,
        c.Consent is { } k ? new ConsentResource(k.EventId, k.CallSid, k.At is { } at ? AdminFormats.Format(at) : null, k.Channel, k.Step, k.Key, k.Prompt, k.Price, k.Actor) : null,
        c.PolicyVersion, new StripeResource(c.Stripe.Customer, c.Stripe.InvoiceItem, c.Stripe.Invoice, c.Stripe.InvoiceNumber, c.Stripe.PaymentIntent, c.Stripe.Charge,
            c.Stripe.CreditNote, c.Stripe.Refund),
        c.WaivedReason is { } reason ? new WaiverResource(reason, c.WaivedBy ?? "", c.WaivedAt is { } w ? AdminFormats.Format(w) : "") : null,
        AdminFormats.Format(c.CreatedAt), AdminFormats.Format(c.UpdatedAt), c.PostingStartedAt is { } p ? AdminFormats.Format(p) : null);
}

public sealed record ChargeEventResource(long Id, string At, string Kind, string? FromStatus, string? ToStatus, string Actor, System.Text.Json.JsonElement Detail);

/// <summary>One charge with its incident (calls, legs, talk time, allowance use) and its audit trail.</summary>
public sealed record ChargeDetailResource(ChargeResource Charge, IncidentSummaryResource Incident, IReadOnlyList<ChargeEventResource> Events);

public sealed record IncidentSummaryResource(Guid Id, string CallSid, string Decision, string Window, string Status, string OpenedAt, string? ClosedAt, int TalkSeconds,
    IReadOnlyList<string> Calls, IReadOnlyList<IncidentLegResource> Legs, string? AllowanceUse);

public sealed record ChargeTotalResource(Guid? AccountId, string? AccountName, string Provider, string Month, string Currency, int Count,
    MoneyResource Billed, MoneyResource Paid, MoneyResource Outstanding, MoneyResource Pending, MoneyResource Waived, MoneyResource Refunded, MoneyResource Failed);

/// <summary>Finance's charges: list, one, totals, CSV, waive.</summary>
public sealed class ChargesHandler(ChargeQueries queries, ChargeWaiver waiver)
{
    public async Task<Results<Ok<Page<ChargeResource>>, ProblemHttpResult>> ListAsync(ChargeQuery query, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var (filter, limit, cursor) = Read(query, errors);
        if (errors.Any) return Problems.Validation(errors);
        var (items, next) = await queries.ListAsync(filter, limit, cursor, ct);
        return TypedResults.Ok(new Page<ChargeResource>([.. items.Select(ChargeResource.Of)], next is { } n ? AdminFormats.Cursor(n) : null));
    }

    public async Task<Results<Ok<ChargeDetailResource>, ProblemHttpResult>> GetAsync(string idText, CancellationToken ct)
    {
        var detail = Guid.TryParse(idText, out var id) ? await queries.GetAsync(id, ct) : null;
        if (detail is null) return Problems.NotFound($"No charge '{idText}'.");
        var i = detail.Incident;
        return TypedResults.Ok(new ChargeDetailResource(ChargeResource.Of(detail.Charge),
            new IncidentSummaryResource(i.Id, i.CallSid, i.Decision, i.Window, i.Status, AdminFormats.Format(i.OpenedAt), i.ClosedAt is { } c ? AdminFormats.Format(c) : null,
                i.TalkSeconds, detail.Calls, [.. detail.Legs.Select(l => new IncidentLegResource(l.LegSid, l.CallSid, l.Seconds, l.Source, AdminFormats.Format(l.At)))], detail.AllowanceUse),
            [.. detail.Events.Select(e => new ChargeEventResource(e.Id, AdminFormats.Format(e.At), e.Kind, e.FromStatus, e.ToStatus, e.Actor,
                System.Text.Json.JsonDocument.Parse(e.Detail).RootElement.Clone()))]));
    }

    public async Task<Results<Ok<Page<ChargeTotalResource>>, ProblemHttpResult>> TotalsAsync(string? fromText, string? toText, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var from = string.IsNullOrEmpty(fromText) ? null : AdminFormats.Instant(fromText, "from", errors);
        var to = string.IsNullOrEmpty(toText) ? null : AdminFormats.Instant(toText, "to", errors);
        if (errors.Any) return Problems.Validation(errors);
        var totals = await queries.TotalsAsync(from, to, ct);
        MoneyResource M(long amount, string currency) => new(amount, currency);
        return TypedResults.Ok(new Page<ChargeTotalResource>([.. totals.Select(t => new ChargeTotalResource(t.AccountId, t.AccountName, t.Provider, t.Month, t.Currency, t.Count,
            M(t.Billed, t.Currency), M(t.Paid, t.Currency), M(t.Outstanding, t.Currency), M(t.Pending, t.Currency), M(t.Waived, t.Currency), M(t.Refunded, t.Currency),
            M(t.Failed, t.Currency)))], null));
    }

    public async Task<IResult> CsvAsync(ChargeQuery query, HttpContext http, CancellationToken ct)
    {
        var errors = new FieldErrors();
        // limit and cursor do not apply to the export, but a malformed one is refused like everywhere else.
        var (filter, _, _) = Read(query, errors);
        if (errors.Any) return Problems.Validation(errors);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"charges.csv\"";
        await ChargeCsv.WriteAsync(http.Response.Body, queries.AllAsync(filter, ct), ct);
        return Results.Empty;
    }

    public async Task<Results<Ok<ChargeResource>, ProblemHttpResult>> WaiveAsync(string idText, WaiveRequest body, string actor, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        if (!Guid.TryParse(idText, out var id)) return Problems.NotFound($"No charge '{idText}'.");
        var reason = body.Reason?.Trim();
        if (string.IsNullOrEmpty(reason)) errors.Add("reason", "Required: why the charge is waived (it is kept in the audit trail).");
        else if (reason.Length > 500) errors.Add("reason", "At most 500 characters.");
        if (errors.Any) return Problems.Validation(errors);
        var (outcome, _, why) = await waiver.WaiveAsync(id, reason!, actor, ct);
        if (outcome == WaiveOutcome.NotFound) return Problems.NotFound($"No charge '{idText}'.");
        if (outcome == WaiveOutcome.NotWaivable) return Problems.Conflict("id", why!);
        var detail = await queries.GetAsync(id, ct);
        return TypedResults.Ok(ChargeResource.Of(detail!.Charge));
    }

    private static (ChargeFilter Filter, int Limit, Guid? Cursor) Read(ChargeQuery q, FieldErrors errors)
    {
        var from = string.IsNullOrEmpty(q.From) ? null : AdminFormats.Instant(q.From, "from", errors);
        var to = string.IsNullOrEmpty(q.To) ? null : AdminFormats.Instant(q.To, "to", errors);
        var status = string.IsNullOrEmpty(q.Status) ? null : q.Status;
        if (status is not null && !ChargeStatus.IsKnown(status)) errors.Add("status", $"'{status}' is not a charge status; one of: {string.Join(", ", ChargeStatus.Order)}.");
        var account = AdminFormats.Id(q.AccountId, "accountId", errors, required: false);
        var limit = AdminFormats.Limit(q.Limit, errors);
        var cursor = AdminFormats.Cursor(q.Cursor, errors);
        return (new ChargeFilter(from, to, status, account), limit, cursor);
    }
}
