using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Billing;
using PhoneSupport.Stripe;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// <c>POST /stripe/webhook</c>: the raw body is verified against <c>Stripe-Signature</c> (several <c>v1</c> values are
/// accepted during a secret rotation; a timestamp outside the tolerance is a replay) before anything is parsed. An event is
/// stored once by its id, in the same transaction as what it changes; the charges on its invoice only ever move forward
/// (<see cref="ChargeStatus"/>), so duplicates, late and out-of-order deliveries change nothing twice and never move a
/// charge backwards.
/// </summary>
public sealed class StripeWebhookHandler(PhoneSupportDb db, StripeWebhookVerifier verifier, IOptions<StripeOptions> options, IClock clock, TimeProvider time,
    ILogger<StripeWebhookHandler> logger)
{
    public async Task<IResult> HandleAsync(HttpRequest request, CancellationToken ct)
    {
        string payload;
        using (var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8))
            payload = await reader.ReadToEndAsync(ct);
        var now = clock.GetCurrentInstant();
        // The tolerance bounds the real time between Stripe signing and us receiving: the wall clock, not the service's
        // business clock (which a development run may start days ahead).
        var result = verifier.Verify(payload, request.Headers["Stripe-Signature"].ToString(), time.GetUtcNow(), options.Value.WebhookTolerance);
        if (!result.SignatureVerified)
        {
            logger.LogWarning("Refused a Stripe webhook: {Failure}", result.Failure);
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: $"The Stripe-Signature does not verify ({result.Failure}).");
        }
        if (result.Event is not { } stripeEvent)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: "The payload is not a Stripe event.");

        if (await db.StripeEvents.AnyAsync(e => e.Id == stripeEvent.Id, ct)) return TypedResults.Ok(new { received = true, duplicate = true });
        using var data = JsonDocument.Parse(stripeEvent.DataObjectJson);
        var obj = data.RootElement;
        var objectId = Text(obj, "id");
        var outcome = await ApplyAsync(stripeEvent, obj, now, ct);
        db.StripeEvents.Add(new StripeEventRecord(stripeEvent.Id, stripeEvent.Type, Instant.FromDateTimeOffset(stripeEvent.Created), now, objectId, outcome, payload));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            return TypedResults.Ok(new { received = true, duplicate = true }); // the same event delivered twice at once
        }
        catch (DbUpdateConcurrencyException)
        {
            // A worker changed one of the charges meanwhile: 500 makes Stripe deliver it again, and nothing was stored.
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy", detail: "Retry the delivery.");
        }
        logger.LogInformation("Stripe event {Event} {Type}: {Outcome}", stripeEvent.Id, stripeEvent.Type, outcome);
        return TypedResults.Ok(new { received = true, outcome });
    }

    private async Task<string> ApplyAsync(StripeEvent e, JsonElement obj, Instant now, CancellationToken ct)
    {
        var status = ChargeStatus.ForStripeEvent(e.Type);
        if (status is null) return "ignored: not an event billing follows";
        List<Charge> charges;
        if (e.Type.StartsWith("invoice.", StringComparison.Ordinal))
        {
            var invoice = Text(obj, "id");
            var ids = (obj.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? Text(m, "charge_ids") : null)?
                .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => Guid.TryParse(s, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).ToList() ?? [];
            charges = await db.Charges.Where(c => c.StripeInvoiceId == invoice || ids.Contains(c.Id)).ToListAsync(ct);
        }
        else
        {
            // charge.refunded: a Stripe charge object; only a full refund refunds our charges (partial refunds come from our credit notes).
            if (obj.TryGetProperty("refunded", out var full) && full.ValueKind == JsonValueKind.False) status = null;
            var (chargeId, intent, invoice) = (Text(obj, "id"), Text(obj, "payment_intent"), Text(obj, "invoice"));
            charges = await db.Charges.Where(c => (chargeId != null && c.StripeChargeId == chargeId) || (intent != null && c.StripePaymentIntentId == intent)
                || (invoice != null && c.StripeInvoiceId == invoice)).ToListAsync(ct);
            if (status is null)
            {
                foreach (var charge in charges)
                    db.ChargeEvents.Add(new ChargeEvent(charge.Id, now, "stripe", charge.Status, charge.Status, $"stripe:{e.Id}", JsonSerializer.Serialize(new { e.Type, partialRefund = true })));
                return $"partial refund noted on {charges.Count} charge(s)";
            }
        }
        if (charges.Count == 0) return "no matching charge";
        var moved = 0;
        foreach (var charge in charges)
        {
            var from = charge.Status;
            if (e.Type.StartsWith("invoice.", StringComparison.Ordinal))
                charge.LearnStripe(invoice: Text(obj, "id"), number: Text(obj, "number"), paymentIntent: Text(obj, "payment_intent"), charge: Text(obj, "charge"));
            var reason = e.Type switch
            {
                "invoice.payment_failed" => "payment failed in Stripe",
                "invoice.marked_uncollectible" => "marked uncollectible in Stripe",
                "invoice.voided" => "invoice voided in Stripe",
                "charge.refunded" => "refunded in Stripe",
                _ => null,
            };
            if (charge.MoveTo(status, reason, now))
            {
                moved++;
                db.ChargeEvents.Add(new ChargeEvent(charge.Id, now, "status", from, status, $"stripe:{e.Id}", JsonSerializer.Serialize(new { e.Type, objectId = Text(obj, "id") })));
            }
            else
            {
                db.ChargeEvents.Add(new ChargeEvent(charge.Id, now, "stripe", from, from, $"stripe:{e.Id}", JsonSerializer.Serialize(new { e.Type, ignored = $"{from} does not go back to {status}" })));
            }
        }
        return moved == 0 ? $"stale: {charges.Count} charge(s) already past {status}" : $"{moved} charge(s) now {status}";
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
