using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Billing;
using PhoneSupport.Stripe;
using StripeCharge = Stripe.Charge;
using StripeEventObject = Stripe.Event;
using StripeInvoice = Stripe.Invoice;
using StripeInvoicePayment = Stripe.InvoicePayment;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// <c>POST /stripe/webhook</c>: the raw body is verified against <c>Stripe-Signature</c> by our verifier (several <c>v1</c>
/// values are accepted during a secret rotation; a timestamp outside the tolerance is a replay) before anything is parsed,
/// then parsed into Stripe.net's typed event with <c>EventUtility.ParseEvent</c>: an event of another API version than the
/// library's is refused (400, logged as an error: the webhook endpoint was created with the wrong version). An event is
/// stored once by its id, in the same transaction as what it changes; the charges on its invoice only ever move forward
/// (<see cref="ChargeStatus"/>), so duplicates, late and out-of-order deliveries change nothing twice and never move a
/// charge backwards.
/// </summary>
public sealed class StripeWebhookHandler(PhoneSupportDb db, StripeWebhookVerifier verifier, IOptions<StripeOptions> options, IClock clock,
    ILogger<StripeWebhookHandler> logger)
{
    public async Task<IResult> HandleAsync(HttpRequest request, CancellationToken ct)
    {
        string payload;
        using (var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8))
            payload = await reader.ReadToEndAsync(ct);
        var now = clock.GetCurrentInstant();
        // The tolerance bounds the real time between Stripe signing and us receiving: Stripe's clock is the real one, not
        // the service's time source (which a development run may start days ahead): one of decision 016's named exceptions.
        var result = verifier.Verify(payload, request.Headers["Stripe-Signature"].ToString(), TimeProvider.System.GetUtcNow(), options.Value.WebhookTolerance);
        if (!result.SignatureVerified)
        {
            logger.LogWarning("Refused a Stripe webhook: {Failure}", result.Failure);
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: $"The Stripe-Signature does not verify ({result.Failure}).");
        }
        if (result.Event is not { } verified)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: "The payload is not a Stripe event.");
        StripeEventObject stripeEvent;
        try
        {
            stripeEvent = global::Stripe.EventUtility.ParseEvent(payload, throwOnApiVersionMismatch: true);
        }
        catch (global::Stripe.StripeException e)
        {
            // Stripe renders data.object in the endpoint's version; ours would mis-read another version's shapes, and a retry
            // will never parse: 400, and an error for the operator (README: create the endpoint with the matching version).
            logger.LogError("Refused Stripe event {Event} ({Type}): it has API version {EventVersion}, this service speaks {ApiVersion} only: "
                + "create the Stripe webhook endpoint with that api_version. ({Reason})",
                verified.Id, verified.Type, verified.ApiVersion ?? "(none)", global::Stripe.StripeConfiguration.ApiVersion, e.Message);
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unsupported API version",
                detail: $"Events must have API version {(global::Stripe.StripeConfiguration.ApiVersion)}; this one has {verified.ApiVersion ?? "none"}.");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            logger.LogWarning("Refused a Stripe webhook {Event} that Stripe.net cannot parse: {Reason}", verified.Id, e.Message);
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: "The payload is not a Stripe event.");
        }

        if (await db.StripeEvents.AnyAsync(e => e.Id == stripeEvent.Id, ct)) return TypedResults.Ok(new { received = true, duplicate = true });
        var obj = stripeEvent.Data?.Object;
        var objectId = (obj as global::Stripe.IHasId)?.Id;
        var outcome = await ApplyAsync(stripeEvent, obj, now, ct);
        db.StripeEvents.Add(new StripeEventRecord(stripeEvent.Id, stripeEvent.Type, Instant.FromDateTimeOffset(verified.Created), now, objectId, outcome, payload));
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

    private async Task<string> ApplyAsync(StripeEventObject e, global::Stripe.IHasObject? obj, Instant now, CancellationToken ct)
    {
        if (obj is StripeInvoicePayment payment && e.Type == "invoice_payment.paid")
            return await LearnPaymentAsync(e, payment, now, ct);
        ChargeState? status = ChargeStatus.ForStripeEvent(e.Type) is { } text ? BillingStatuses.ParseCharge(text) : null;
        if (status is null) return "ignored: not an event billing follows";
        List<Charge> charges;
        StripeInvoice? invoice = null;
        if (e.Type.StartsWith("invoice.", StringComparison.Ordinal))
        {
            invoice = obj as StripeInvoice;
            if (invoice?.Id is not { } invoiceId) return "ignored: no invoice in the event";
            var ids = (invoice.Metadata?.GetValueOrDefault("charge_ids"))?
                .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => Guid.TryParse(s, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).ToList() ?? [];
            charges = await db.Charges.Where(c => c.StripeInvoiceId == invoiceId || ids.Contains(c.Id)).ToListAsync(ct);
        }
        else
        {
            // charge.refunded: a Stripe charge object; only a full refund refunds our charges (partial refunds come from our credit notes).
            // Since basil a charge no longer names its invoice: it is found by its id or its payment intent.
            if (obj is not StripeCharge stripeCharge) return "ignored: no charge in the event";
            if (!stripeCharge.Refunded) status = null;
            var (chargeId, intent) = (stripeCharge.Id, stripeCharge.PaymentIntentId);
            charges = await db.Charges.Where(c => (chargeId != null && c.StripeChargeId == chargeId) || (intent != null && c.StripePaymentIntentId == intent)).ToListAsync(ct);
            if (status is null)
            {
                foreach (var charge in charges)
                    db.ChargeEvents.Add(new ChargeEvent(charge.Id, now, "stripe", charge.Status.Wire(), charge.Status.Wire(), $"stripe:{e.Id}", JsonSerializer.Serialize(new { e.Type, partialRefund = true })));
                return $"partial refund noted on {charges.Count} charge(s)";
            }
        }
        if (charges.Count == 0) return "no matching charge";
        var moved = 0;
        foreach (var charge in charges)
        {
            var from = charge.Status;
            if (invoice is not null)
            {
                var (paymentIntent, paidBy) = InvoicePayments.Of(invoice); // events carry payments only if Stripe ever includes them
                charge.LearnStripe(invoice: invoice.Id, number: invoice.Number, paymentIntent: paymentIntent, charge: paidBy);
            }
            var reason = e.Type switch
            {
                "invoice.payment_failed" => "payment failed in Stripe",
                "invoice.marked_uncollectible" => "marked uncollectible in Stripe",
                "invoice.voided" => "invoice voided in Stripe",
                "charge.refunded" => "refunded in Stripe",
                _ => null,
            };
            if (charge.MoveTo(status.Value, reason, now))
            {
                moved++;
                db.ChargeEvents.Add(new ChargeEvent(charge.Id, now, "status", from.Wire(), status.Value.Wire(), $"stripe:{e.Id}", JsonSerializer.Serialize(new { e.Type, objectId = (obj as global::Stripe.IHasId)?.Id })));
            }
            else
            {
                db.ChargeEvents.Add(new ChargeEvent(charge.Id, now, "stripe", from.Wire(), from.Wire(), $"stripe:{e.Id}", JsonSerializer.Serialize(new { e.Type, ignored = $"{from.Wire()} does not go back to {status.Value.Wire()}" })));
            }
        }
        return moved == 0 ? $"stale: {charges.Count} charge(s) already past {status.Value.Wire()}" : $"{moved} charge(s) now {status.Value.Wire()}";
    }

    /// <summary>
    /// <c>invoice_payment.paid</c> (since 2025-05-28.basil): the payment of an invoice, with its PaymentIntent or charge — what
    /// <c>invoice.paid</c> no longer carries. The charges on that invoice learn the ids (a refund needs them); no status moves.
    /// </summary>
    private async Task<string> LearnPaymentAsync(StripeEventObject e, StripeInvoicePayment payment, Instant now, CancellationToken ct)
    {
        var invoiceId = payment.InvoiceId;
        if (invoiceId is null || payment.Payment is not { } paid) return "ignored: no invoice or payment in the event";
        var charges = await db.Charges.Where(c => c.StripeInvoiceId == invoiceId).ToListAsync(ct);
        foreach (var charge in charges)
        {
            charge.LearnStripe(paymentIntent: paid.PaymentIntentId, charge: paid.ChargeId);
            db.ChargeEvents.Add(new ChargeEvent(charge.Id, now, "stripe", charge.Status.Wire(), charge.Status.Wire(), $"stripe:{e.Id}",
                JsonSerializer.Serialize(new { e.Type, invoicePayment = payment.Id, paymentIntent = paid.PaymentIntentId, charge = paid.ChargeId })));
        }
        return charges.Count == 0 ? "no matching charge" : $"payment learnt on {charges.Count} charge(s)";
    }
}
