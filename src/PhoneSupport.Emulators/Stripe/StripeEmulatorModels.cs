namespace PhoneSupport.Emulators.Stripe;

/// <summary>The endpoints the emulator serves (faults are queued per endpoint).</summary>
public enum StripeEndpoint
{
    /// <summary><c>POST /v1/invoiceitems</c></summary>
    CreateInvoiceItem,
    /// <summary><c>POST /v1/invoices</c></summary>
    CreateInvoice,
    /// <summary><c>GET /v1/invoices/{id}</c></summary>
    RetrieveInvoice,
    /// <summary><c>POST /v1/invoices/{id}/add_lines</c></summary>
    AddInvoiceLines,
    /// <summary><c>POST /v1/invoices/{id}/finalize</c></summary>
    FinalizeInvoice,
    /// <summary><c>POST /v1/invoices/{id}/pay</c></summary>
    PayInvoice,
    /// <summary><c>POST /v1/invoices/{id}/void</c></summary>
    VoidInvoice,
    /// <summary><c>POST /v1/invoices/{id}/mark_uncollectible</c></summary>
    MarkInvoiceUncollectible,
    /// <summary><c>POST /v1/credit_notes</c></summary>
    CreateCreditNote,
    /// <summary><c>POST /v1/refunds</c></summary>
    CreateRefund,
}

/// <summary>One HTTP request the emulator received, as it arrived on the wire.</summary>
public sealed class StripeEmulatorRequest
{
    public required string Method { get; init; }

    public required string Path { get; init; }

    /// <summary>The raw form body (POST) or query string without <c>?</c> (GET).</summary>
    public required string RawForm { get; init; }

    /// <summary>The decoded form (or query) pairs in order, names as sent (<c>metadata[incident_id]</c>).</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Form { get; init; }

    public string? Authorization { get; init; }

    public string? StripeVersion { get; init; }

    public string? IdempotencyKey { get; init; }

    public string? ContentType { get; init; }

    public string? UserAgent { get; init; }

    /// <summary>Every request header as received (names case-insensitive), e.g. to see that no <c>X-Stripe-Client-Telemetry</c> came.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The <c>Request-Id</c> answered (<c>req_…</c>).</summary>
    public required string RequestId { get; init; }

    /// <summary>Arrival time on the emulator's clock.</summary>
    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Null when the path is not one the emulator serves.</summary>
    public StripeEndpoint? Endpoint { get; init; }

    /// <summary>The HTTP status answered; null while pending.</summary>
    public int? ResponseStatus { get; internal set; }

    /// <summary>True when the answer was a saved one, replayed for a reused <c>Idempotency-Key</c>.</summary>
    public bool Replayed { get; internal set; }

    /// <summary>The last value of the form pair named exactly <paramref name="name"/>.</summary>
    public string? this[string name] => Form.LastOrDefault(p => p.Key == name).Value;
}

/// <summary>An invoice item the emulator holds.</summary>
public sealed class EmulatedInvoiceItem
{
    public required string Id { get; init; }
    public required string Customer { get; init; }
    public long Amount { get; init; }
    public required string Currency { get; init; }
    public string? Description { get; init; }
    public DateTimeOffset Date { get; init; }
    public DateTimeOffset PeriodStart { get; init; }
    public DateTimeOffset PeriodEnd { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    /// <summary>The invoice it is on; null while pending.</summary>
    public string? Invoice { get; internal set; }
    internal string LineId { get; set; } = "";
}

/// <summary>An invoice the emulator holds: draft → open → paid / void / uncollectible.</summary>
public sealed class EmulatedInvoice
{
    public required string Id { get; init; }
    public required string Customer { get; init; }
    public string Status { get; internal set; } = "draft";
    public required string CollectionMethod { get; init; }
    public bool AutoAdvance { get; internal set; }
    public string Currency { get; internal set; } = "usd";
    public string? Description { get; init; }
    public int? DaysUntilDue { get; init; }
    public DateTimeOffset Created { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    public string? Number { get; internal set; }
    public string? PaymentIntent { get; internal set; }
    public string? Charge { get; internal set; }
    public int AttemptCount { get; internal set; }
    public bool PaidOutOfBand { get; internal set; }
    public DateTimeOffset? FinalizedAt { get; internal set; }
    public DateTimeOffset? PaidAt { get; internal set; }
    public DateTimeOffset? VoidedAt { get; internal set; }
    public DateTimeOffset? MarkedUncollectibleAt { get; internal set; }
    /// <summary>Credited by pre-payment credit notes (lowers <see cref="AmountDue"/>).</summary>
    public long CreditedBeforePayment { get; internal set; }
    public long CreditedAfterPayment { get; internal set; }
    public long Refunded { get; internal set; }
    public long AmountPaid { get; internal set; }
    internal List<EmulatedInvoiceItem> Items { get; } = [];

    /// <summary>The items on the invoice, in the order they joined.</summary>
    public IReadOnlyList<EmulatedInvoiceItem> Lines => [.. Items];
    public long Total => Items.Sum(i => i.Amount);
    public long AmountDue => Math.Max(0, Total - CreditedBeforePayment);
    public long AmountRemaining => Status == "void" ? 0 : AmountDue - AmountPaid;
}

/// <summary>A credit note the emulator issued.</summary>
public sealed class EmulatedCreditNote
{
    public required string Id { get; init; }
    public required string Invoice { get; init; }
    public required string Customer { get; init; }
    public long Amount { get; init; }
    public required string Currency { get; init; }
    /// <summary><c>pre_payment</c> (the invoice was open) or <c>post_payment</c> (paid).</summary>
    public required string Type { get; init; }
    public string? Reason { get; init; }
    public string? Memo { get; init; }
    public required string Number { get; init; }
    public string? Refund { get; init; }
    /// <summary>How much <see cref="Refund"/> gave back (<c>refunds[0].amount_refunded</c>).</summary>
    public long RefundAmount { get; init; }
    public DateTimeOffset Created { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>A refund the emulator made.</summary>
public sealed class EmulatedRefund
{
    public required string Id { get; init; }
    public long Amount { get; init; }
    public required string Currency { get; init; }
    public required string PaymentIntent { get; init; }
    public required string Charge { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset Created { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary>How an event is signed: which secrets, when, and whether to spoil it.</summary>
public sealed record StripeEventSigning
{
    /// <summary>The secret of the first <c>v1</c>; null: <see cref="StripeEmulatorOptions.WebhookSecret"/>.</summary>
    public string? Secret { get; init; }

    /// <summary>One more <c>v1</c> per secret, after the first (Stripe does this while a secret is being rolled).</summary>
    public IReadOnlyList<string> AdditionalSecrets { get; init; } = [];

    /// <summary>The <c>t</c>; null: now on the emulator's clock.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>Flip the signatures so none matches: a forged or damaged request.</summary>
    public bool Corrupt { get; init; }

    /// <summary>Append the fake <c>v0=</c> Stripe adds to test-mode events (receivers must ignore it).</summary>
    public bool IncludeV0 { get; init; } = true;
}

/// <summary>One webhook delivery attempt and how the receiver answered.</summary>
public sealed record StripeEventDelivery(
    string EventId, string Type, string TargetUrl, string Payload, string SignatureHeader, int? Status, string? ResponseBody, string? Error)
{
    public bool Delivered => Status is >= 200 and < 300;
}
