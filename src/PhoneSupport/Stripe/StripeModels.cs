using System.Text.Json;

namespace PhoneSupport.Stripe;

/// <summary>The invoice statuses (research/stripe.md §1.2).</summary>
public static class StripeInvoiceStatus
{
    public const string Draft = "draft";
    public const string Open = "open";
    public const string Paid = "paid";
    public const string Uncollectible = "uncollectible";
    public const string Void = "void";
}

/// <summary>An <c>invoiceitem</c>: one billable incident, pending until it is on an invoice.</summary>
public sealed record StripeInvoiceItem
{
    public required string Id { get; init; }
    public string? Customer { get; init; }
    /// <summary>The invoice it is on; null while pending.</summary>
    public string? Invoice { get; init; }
    /// <summary>In the smallest currency unit (cents); negative for a credit.</summary>
    public long Amount { get; init; }
    public string? Currency { get; init; }
    public string? Description { get; init; }
    public DateTimeOffset? PeriodStart { get; init; }
    public DateTimeOffset? PeriodEnd { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    internal static StripeInvoiceItem FromJson(JsonElement json) => new()
    {
        Id = json.RequiredText("id"),
        Customer = json.Text("customer"),
        Invoice = json.Text("invoice"),
        Amount = json.Long("amount") ?? 0,
        Currency = json.Text("currency"),
        Description = json.Text("description"),
        PeriodStart = json.Child("period").UnixTime("start"),
        PeriodEnd = json.Child("period").UnixTime("end"),
        Metadata = json.Metadata(),
    };
}

/// <summary>One line of an invoice (from <c>lines.data</c>).</summary>
public sealed record StripeInvoiceLine(string Id, long Amount, string? Currency, string? Description, string? InvoiceItem,
    IReadOnlyDictionary<string, string> Metadata)
{
    internal static StripeInvoiceLine FromJson(JsonElement json) => new(
        json.RequiredText("id"), json.Long("amount") ?? 0, json.Text("currency"), json.Text("description"),
        json.Text("invoice_item"), json.Metadata());
}

/// <summary>An <c>invoice</c>. Amounts are in the smallest currency unit.</summary>
public sealed record StripeInvoice
{
    public required string Id { get; init; }
    /// <summary>One of <see cref="StripeInvoiceStatus"/>.</summary>
    public required string Status { get; init; }
    public long AmountDue { get; init; }
    public long AmountPaid { get; init; }
    public long AmountRemaining { get; init; }
    public long Total { get; init; }
    public string? Currency { get; init; }
    public string? Customer { get; init; }
    public string? CollectionMethod { get; init; }
    public bool AutoAdvance { get; init; }
    /// <summary>Assigned at finalization.</summary>
    public string? Number { get; init; }
    public string? PaymentIntent { get; init; }
    public string? Charge { get; init; }
    public int AttemptCount { get; init; }
    public DateTimeOffset? Created { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    /// <summary>The first page of <c>lines</c> as returned.</summary>
    public IReadOnlyList<StripeInvoiceLine> Lines { get; init; } = [];

    internal static StripeInvoice FromJson(JsonElement json) => new()
    {
        Id = json.RequiredText("id"),
        Status = json.RequiredText("status"),
        AmountDue = json.Long("amount_due") ?? 0,
        AmountPaid = json.Long("amount_paid") ?? 0,
        AmountRemaining = json.Long("amount_remaining") ?? 0,
        Total = json.Long("total") ?? 0,
        Currency = json.Text("currency"),
        Customer = json.Text("customer"),
        CollectionMethod = json.Text("collection_method"),
        AutoAdvance = json.Child("auto_advance").ValueKind == JsonValueKind.True,
        Number = json.Text("number"),
        PaymentIntent = json.Text("payment_intent"),
        Charge = json.Text("charge"),
        AttemptCount = (int)(json.Long("attempt_count") ?? 0),
        Created = json.UnixTime("created"),
        Metadata = json.Metadata(),
        Lines = json.Child("lines").Child("data") is { ValueKind: JsonValueKind.Array } lines
            ? lines.EnumerateArray().Select(StripeInvoiceLine.FromJson).ToList()
            : [],
    };
}

/// <summary>A <c>credit_note</c>: an adjustment to a finalized invoice.</summary>
public sealed record StripeCreditNote
{
    public required string Id { get; init; }
    public required string Invoice { get; init; }
    public long Amount { get; init; }
    public string? Currency { get; init; }
    /// <summary><c>issued</c> or <c>void</c>.</summary>
    public string? Status { get; init; }
    /// <summary><c>pre_payment</c> or <c>post_payment</c>.</summary>
    public string? Type { get; init; }
    public string? Reason { get; init; }
    public string? Memo { get; init; }
    /// <summary>The refund a post-payment credit note made (<c>refund_amount</c>), if any.</summary>
    public string? Refund { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    internal static StripeCreditNote FromJson(JsonElement json) => new()
    {
        Id = json.RequiredText("id"),
        Invoice = json.RequiredText("invoice"),
        Amount = json.Long("amount") ?? 0,
        Currency = json.Text("currency"),
        Status = json.Text("status"),
        Type = json.Text("type"),
        Reason = json.Text("reason"),
        Memo = json.Text("memo"),
        Refund = json.Text("refund"),
        Metadata = json.Metadata(),
    };
}

/// <summary>A <c>refund</c> of (part of) a payment.</summary>
public sealed record StripeRefund
{
    public required string Id { get; init; }
    public long Amount { get; init; }
    public string? Currency { get; init; }
    /// <summary><c>pending</c>, <c>succeeded</c>, <c>failed</c>, <c>canceled</c> or <c>requires_action</c>.</summary>
    public string? Status { get; init; }
    public string? PaymentIntent { get; init; }
    public string? Charge { get; init; }
    public string? Reason { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    internal static StripeRefund FromJson(JsonElement json) => new()
    {
        Id = json.RequiredText("id"),
        Amount = json.Long("amount") ?? 0,
        Currency = json.Text("currency"),
        Status = json.Text("status"),
        PaymentIntent = json.Text("payment_intent"),
        Charge = json.Text("charge"),
        Reason = json.Text("reason"),
        Metadata = json.Metadata(),
    };
}
