using System.Globalization;
using System.Text;
using NodaTime.Text;

namespace PhoneSupport.Features.Billing;

/// <summary>Charges as CSV (RFC 4180: CRLF, quotes doubled), one row per charge, amounts in minor units and as decimals.</summary>
public static class ChargeCsv
{
    public static readonly string[] Header =
    [
        "charge_id", "created_at", "status", "status_reason", "account_id", "account_name", "provider", "incident_id", "call_sid", "kind", "origin",
        "window", "rate_per_hour_minor", "billed_seconds", "steps", "amount_minor", "amount", "currency", "consent_event_id", "consent_call_sid",
        "consent_at", "consent_step", "consent_key", "consent_actor", "policy_version", "stripe_customer", "stripe_invoice_item", "stripe_invoice",
        "stripe_invoice_number", "stripe_payment_intent", "stripe_credit_note", "stripe_refund", "waived_reason", "waived_by", "waived_at", "description",
    ];

    public static string Line(IEnumerable<string?> fields) => string.Join(",", fields.Select(Escape)) + "\r\n";

    public static string Row(ChargeView c) => Line(
    [
        c.Id.ToString(), Format(c.CreatedAt), c.Status, c.StatusReason, c.AccountId?.ToString(), c.AccountName, c.Provider, c.IncidentId.ToString(), c.CallSid, c.Kind,
        c.Origin, c.Window, Number(c.RatePerHour.Amount), Number(c.BilledSeconds), Number(c.Steps), Number(c.Amount.Amount),
        (c.Amount.Amount / 100m).ToString("0.00", CultureInfo.InvariantCulture), c.Amount.Currency, c.Consent?.EventId?.ToString(CultureInfo.InvariantCulture),
        c.Consent?.CallSid, c.Consent?.At is { } at ? Format(at) : null, c.Consent?.Step, c.Consent?.Key, c.Consent?.Actor, c.PolicyVersion,
        c.Stripe.Customer, c.Stripe.InvoiceItem, c.Stripe.Invoice, c.Stripe.InvoiceNumber, c.Stripe.PaymentIntent, c.Stripe.CreditNote, c.Stripe.Refund,
        c.WaivedReason, c.WaivedBy, c.WaivedAt is { } w ? Format(w) : null, c.Description,
    ]);

    /// <summary>Writes the header and every row to <paramref name="output"/> as UTF-8, streaming.</summary>
    public static async Task WriteAsync(Stream output, IAsyncEnumerable<ChargeView> charges, CancellationToken ct)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
        await writer.WriteAsync(Line(Header));
        await foreach (var charge in charges.WithCancellation(ct)) await writer.WriteAsync(Row(charge));
        await writer.FlushAsync(ct);
    }

    private static string Format(NodaTime.Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string? field)
    {
        if (string.IsNullOrEmpty(field)) return "";
        // A leading = + - @ would be read as a formula by spreadsheets: quote it with a leading apostrophe.
        if (field[0] is '=' or '+' or '-' or '@' && !decimal.TryParse(field, NumberStyles.Number, CultureInfo.InvariantCulture, out _)) field = "'" + field;
        return field.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;
    }
}
