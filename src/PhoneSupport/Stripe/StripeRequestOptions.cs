namespace PhoneSupport.Stripe;

/// <summary>
/// <c>POST /v1/invoiceitems</c>. One item per billable incident with an integer <see cref="Amount"/> we computed; set
/// <see cref="Invoice"/> to put it straight on a draft invoice (per-incident billing), leave it null to keep it pending
/// (monthly billing, then <see cref="IStripeClient.AddInvoiceLinesAsync"/>). Keep every value reproducible: a retry
/// under the same idempotency key must send the same parameters.
/// </summary>
public sealed record StripeInvoiceItemCreateOptions(string Customer, long Amount, string Currency)
{
    /// <summary>A draft invoice (<c>in_…</c>) to attach the item to.</summary>
    public string? Invoice { get; init; }

    /// <summary>Shown on the invoice.</summary>
    public string? Description { get; init; }

    /// <summary><c>period[start]</c>/<c>period[end]</c>, sent as unix seconds; both or neither.</summary>
    public DateTimeOffset? PeriodStart { get; init; }

    public DateTimeOffset? PeriodEnd { get; init; }

    /// <summary>At most 50 keys; keys without brackets, ≤ 40 characters; values ≤ 500 characters.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    internal List<KeyValuePair<string, object?>> ToParams()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Customer);
        ArgumentException.ThrowIfNullOrWhiteSpace(Currency);
        if (PeriodStart.HasValue != PeriodEnd.HasValue || PeriodEnd < PeriodStart)
        {
            throw new ArgumentException("Give both PeriodStart and PeriodEnd, with the end not before the start.");
        }

        var form = new List<KeyValuePair<string, object?>> { new("customer", Customer) };
        form.AddIf("invoice", Invoice);
        form.Add(new("amount", Amount));
        form.Add(new("currency", Currency.ToLowerInvariant()));
        form.AddIf("description", Description);
        form.AddMetadata(Metadata);
        if (PeriodStart is { } start && PeriodEnd is { } end)
        {
            form.Add(new("period", new KeyValuePair<string, object?>[] { new("start", start), new("end", end) }));
        }

        return form;
    }
}

/// <summary><c>POST /v1/invoices</c>: a draft that takes exactly the items put on it.</summary>
public sealed record StripeInvoiceCreateOptions(string Customer)
{
    /// <summary><c>charge_automatically</c> (the card on file) or <c>send_invoice</c> (emailed, with <see cref="DaysUntilDue"/>).</summary>
    public string CollectionMethod { get; init; } = "charge_automatically";

    /// <summary><c>exclude</c>: none of the customer's pending items join (they are attached explicitly); <c>include</c>: all do.</summary>
    public string PendingInvoiceItemsBehavior { get; init; } = "exclude";

    /// <summary>False: the draft stays a draft until finalized explicitly (Stripe's default for API-created invoices).</summary>
    public bool AutoAdvance { get; init; }

    /// <summary>Only with <c>send_invoice</c>.</summary>
    public int? DaysUntilDue { get; init; }

    public string? Currency { get; init; }

    public string? Description { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    internal List<KeyValuePair<string, object?>> ToParams()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Customer);
        var form = new List<KeyValuePair<string, object?>>
        {
            new("customer", Customer),
            new("collection_method", CollectionMethod),
        };
        if (DaysUntilDue is { } days)
        {
            form.Add(new("days_until_due", days));
        }

        form.Add(new("pending_invoice_items_behavior", PendingInvoiceItemsBehavior));
        form.Add(new("auto_advance", AutoAdvance));
        form.AddIf("currency", Currency?.ToLowerInvariant());
        form.AddIf("description", Description);
        form.AddMetadata(Metadata);
        return form;
    }
}

/// <summary><c>POST /v1/invoices/{id}/pay</c>.</summary>
public sealed record StripeInvoicePayOptions
{
    /// <summary>A payment method of the customer; null uses the customer's default.</summary>
    public string? PaymentMethod { get; init; }

    /// <summary>Stripe's default is true (the customer is not present).</summary>
    public bool? OffSession { get; init; }

    /// <summary>Marks the invoice paid without charging (paid some other way).</summary>
    public bool? PaidOutOfBand { get; init; }

    internal List<KeyValuePair<string, object?>> ToParams()
    {
        var form = new List<KeyValuePair<string, object?>>();
        form.AddIf("payment_method", PaymentMethod);
        form.AddIf("off_session", OffSession);
        form.AddIf("paid_out_of_band", PaidOutOfBand);
        return form;
    }
}

/// <summary><c>POST /v1/credit_notes</c>: credits a finalized invoice by <see cref="Amount"/>.</summary>
public sealed record StripeCreditNoteCreateOptions(string Invoice, long Amount)
{
    /// <summary><c>duplicate</c>, <c>fraudulent</c>, <c>order_change</c> or <c>product_unsatisfactory</c>.</summary>
    public string? Reason { get; init; }

    public string? Memo { get; init; }

    /// <summary>Of a paid invoice: how much of <see cref="Amount"/> goes back to the card.</summary>
    public long? RefundAmount { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    internal List<KeyValuePair<string, object?>> ToParams()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Invoice);
        var form = new List<KeyValuePair<string, object?>> { new("invoice", Invoice), new("amount", Amount) };
        form.AddIf("refund_amount", RefundAmount);
        form.AddIf("reason", Reason);
        form.AddIf("memo", Memo);
        form.AddMetadata(Metadata);
        return form;
    }
}

/// <summary><c>POST /v1/refunds</c> of a payment intent (or a charge); the whole remaining amount when <see cref="Amount"/> is null.</summary>
public sealed record StripeRefundCreateOptions
{
    public string? PaymentIntent { get; init; }

    public string? Charge { get; init; }

    public long? Amount { get; init; }

    /// <summary><c>duplicate</c>, <c>fraudulent</c> or <c>requested_by_customer</c>.</summary>
    public string? Reason { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    internal List<KeyValuePair<string, object?>> ToParams()
    {
        if (string.IsNullOrWhiteSpace(PaymentIntent) == string.IsNullOrWhiteSpace(Charge))
        {
            throw new ArgumentException("Give exactly one of PaymentIntent and Charge.");
        }

        var form = new List<KeyValuePair<string, object?>>();
        form.AddIf("payment_intent", PaymentIntent);
        form.AddIf("charge", Charge);
        form.AddIf("amount", Amount);
        form.AddIf("reason", Reason);
        form.AddMetadata(Metadata);
        return form;
    }
}

internal static class StripeParams
{
    public static void AddIf(this List<KeyValuePair<string, object?>> form, string name, object? value)
    {
        if (value is not null)
        {
            form.Add(new(name, value));
        }
    }

    /// <summary>Only when there is some: an empty <c>metadata=</c> would clear what the object has.</summary>
    public static void AddMetadata(this List<KeyValuePair<string, object?>> form, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is { Count: > 0 })
        {
            form.Add(new("metadata", metadata.Select(p => KeyValuePair.Create(p.Key, (object?)p.Value)).ToList()));
        }
    }
}
