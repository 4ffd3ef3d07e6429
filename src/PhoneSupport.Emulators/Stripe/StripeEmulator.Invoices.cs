using System.Text.Json;
using System.Text.RegularExpressions;

namespace PhoneSupport.Emulators.Stripe;

/// <summary>The endpoints: each runs under the lock, validates like Stripe (unknown parameters refused), then changes state.</summary>
public sealed partial class StripeEmulator
{
    private const int MaxLinesPerInvoice = 250;
    private int _invoiceNumbers;

    private Answer Execute(StripeEmulatorRequest request, string id, List<PendingEvent> events)
    {
        try
        {
            var form = StripeForm.Parse(request.Form);
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                object body = request.Endpoint switch
                {
                    StripeEndpoint.CreateInvoiceItem => CreateInvoiceItem(form, now),
                    StripeEndpoint.CreateInvoice => CreateInvoice(form, now),
                    StripeEndpoint.RetrieveInvoice => StripeEmulatorJson.Invoice(Allow(form, "expand").Invoice(id)),
                    StripeEndpoint.AddInvoiceLines => AddLines(form, id),
                    StripeEndpoint.FinalizeInvoice => Finalize(form, id, now, events),
                    StripeEndpoint.PayInvoice => Pay(form, id, now, events),
                    StripeEndpoint.VoidInvoice => Transition(form, id, now, events, "void"),
                    StripeEndpoint.MarkInvoiceUncollectible => Transition(form, id, now, events, "uncollectible"),
                    StripeEndpoint.CreateCreditNote => CreateCreditNote(form, now, events),
                    _ => CreateRefund(form, now, events),
                };
                // An includable field (an invoice's payments) is in an answer only when expanded.
                if (body is Dictionary<string, object?> { } json && json.GetValueOrDefault("object") as string == "invoice"
                    && form.Strings("expand") is { Count: > 0 } expand)
                {
                    body = StripeEmulatorJson.Invoice(Invoice((string)json["id"]!), expand);
                }

                return new Answer(200, JsonSerializer.Serialize(body, Json), null, false);
            }
        }
        catch (StripeEmulatorError error)
        {
            return Error(error, request);
        }
    }

    private Dictionary<string, object?> CreateInvoiceItem(StripeForm form, DateTimeOffset now)
    {
        form.AllowOnly("customer", "invoice", "amount", "currency", "description", "period", "metadata", "discountable", "expand");
        var customer = form.Required("customer");
        var amount = form.Long("amount") ?? throw StripeEmulatorError.Invalid("Missing required param: amount.", "amount", "parameter_missing");
        var currency = Currency(form.Required("currency"));
        var (start, end) = (now, now);
        if (form.Object("period") is { } period)
        {
            start = UnixParam(period, "start");
            end = UnixParam(period, "end");
            if (end < start)
            {
                throw StripeEmulatorError.Invalid("The period end must be on or after the period start.", "period[end]");
            }
        }

        var invoice = form.Text("invoice") is { } invoiceId ? Invoice(invoiceId, "invoice") : null;
        var item = new EmulatedInvoiceItem
        {
            Id = NewId("ii_"), Customer = customer, Amount = amount, Currency = currency, Description = form.Text("description"),
            Date = now, PeriodStart = start, PeriodEnd = end, Metadata = form.Object("metadata") ?? new Dictionary<string, string>(),
        };
        if (invoice is not null)
        {
            CheckAttachable(invoice, item, "invoice");
            Attach(invoice, item);
        }

        _items.Add(item);
        return StripeEmulatorJson.InvoiceItem(item);
    }

    private Dictionary<string, object?> CreateInvoice(StripeForm form, DateTimeOffset now)
    {
        form.AllowOnly("customer", "collection_method", "pending_invoice_items_behavior", "auto_advance", "days_until_due", "currency",
            "description", "metadata", "expand");
        var customer = form.Required("customer");
        var method = OneOf(form, "collection_method", "charge_automatically", "send_invoice");
        var behavior = OneOf(form, "pending_invoice_items_behavior", "exclude", "include");
        var days = form.Long("days_until_due");
        if (days is not null && method != "send_invoice")
        {
            throw StripeEmulatorError.Invalid("You can only set `days_until_due` if `collection_method` is `send_invoice`.", "days_until_due");
        }

        if (days is null && method == "send_invoice")
        {
            throw StripeEmulatorError.Invalid("Missing required param: days_until_due.", "days_until_due", "parameter_missing");
        }

        var invoice = new EmulatedInvoice
        {
            Id = NewId("in_"), Customer = customer, CollectionMethod = method, AutoAdvance = form.Bool("auto_advance") ?? false,
            Currency = form.Text("currency") is { } currency ? Currency(currency) : "usd", Description = form.Text("description"),
            DaysUntilDue = (int?)days, Created = now, Metadata = form.Object("metadata") ?? new Dictionary<string, string>(),
        };
        if (behavior == "include")
        {
            foreach (var item in _items.Where(i => i.Invoice is null && i.Customer == customer && i.Currency == invoice.Currency).Take(MaxLinesPerInvoice))
            {
                Attach(invoice, item);
            }
        }

        _invoices.Add(invoice);
        return StripeEmulatorJson.Invoice(invoice);
    }

    private Dictionary<string, object?> AddLines(StripeForm form, string id)
    {
        var invoice = Allow(form, "lines", "expand").Invoice(id);
        var lines = form.List("lines") ?? throw StripeEmulatorError.Invalid("Missing required param: lines.", "lines", "parameter_missing");
        var items = new List<EmulatedInvoiceItem>();
        for (var i = 0; i < lines.Count; i++)
        {
            var param = $"lines[{i}][invoice_item]";
            if (lines[i].Keys.Any(k => k != "invoice_item") || lines[i].GetValueOrDefault("invoice_item") is not string itemId)
            {
                throw StripeEmulatorError.Invalid($"The emulator supports only {param} in add_lines.", $"lines[{i}]");
            }

            var item = _items.FirstOrDefault(x => x.Id == itemId) ?? throw StripeEmulatorError.Missing("invoiceitem", itemId, param);
            CheckAttachable(invoice, item, param);
            items.Add(item);
        }

        if (invoice.Items.Count + items.Count > MaxLinesPerInvoice)
        {
            throw StripeEmulatorError.Invalid($"An invoice can have at most {MaxLinesPerInvoice} line items.", "lines");
        }

        items.ForEach(item => Attach(invoice, item));
        return StripeEmulatorJson.Invoice(invoice);
    }

    private Dictionary<string, object?> Finalize(StripeForm form, string id, DateTimeOffset now, List<PendingEvent> events)
    {
        var invoice = Allow(form, "auto_advance", "expand").Invoice(id);
        if (invoice.Status != "draft")
        {
            throw StripeEmulatorError.Invalid("This invoice is already finalized, you can't re-finalize a non-draft invoice.");
        }

        invoice.AutoAdvance = form.Bool("auto_advance") ?? invoice.AutoAdvance;
        invoice.Status = "open";
        invoice.FinalizedAt = now;
        invoice.Number = $"EMU-{++_invoiceNumbers:0000}";
        events.Add(new("invoice.finalized", StripeEmulatorJson.Invoice(invoice)));
        if (invoice.AmountDue == 0)
        {
            // Stripe marks a zero-amount invoice paid as soon as it is finalized.
            MarkPaid(invoice, now, events);
        }

        return StripeEmulatorJson.Invoice(invoice);
    }

    private Dictionary<string, object?> Pay(StripeForm form, string id, DateTimeOffset now, List<PendingEvent> events)
    {
        var invoice = Allow(form, "payment_method", "off_session", "paid_out_of_band", "forgive", "source", "mandate", "expand").Invoice(id);
        if (invoice.Status is not ("open" or "uncollectible"))
        {
            throw StripeEmulatorError.Invalid(invoice.Status switch
            {
                "draft" => "This invoice is a draft: finalize it before paying it.",
                "paid" => "Invoice is already paid",
                _ => "This invoice has been voided and can no longer be paid.",
            });
        }

        if (form.Bool("paid_out_of_band") == true)
        {
            invoice.PaidOutOfBand = true;
        }
        else
        {
            invoice.AttemptCount++;
            if (_declines.TryGetValue(invoice.Customer, out var declineCode))
            {
                events.Add(new("invoice.payment_failed", StripeEmulatorJson.Invoice(invoice)));
                throw new StripeEmulatorError(402, "card_error",
                    declineCode == "insufficient_funds" ? "Your card has insufficient funds." : "Your card was declined.", "card_declined")
                    { DeclineCode = declineCode };
            }

            invoice.PaymentIntent = NewId("pi_");
            invoice.Charge = NewId("ch_");
        }

        MarkPaid(invoice, now, events);
        return StripeEmulatorJson.Invoice(invoice);
    }

    /// <summary>open/uncollectible → void, or open → uncollectible.</summary>
    private Dictionary<string, object?> Transition(StripeForm form, string id, DateTimeOffset now, List<PendingEvent> events, string to)
    {
        var invoice = Allow(form, "expand").Invoice(id);
        var allowed = to == "void" ? invoice.Status is "open" or "uncollectible" : invoice.Status == "open";
        if (!allowed)
        {
            throw StripeEmulatorError.Invalid(to == "void"
                ? $"You can only void an open or uncollectible invoice; this one is {invoice.Status}."
                : $"You can only mark an open invoice uncollectible; this one is {invoice.Status}.");
        }

        invoice.Status = to;
        if (to == "void")
        {
            invoice.VoidedAt = now;
        }
        else
        {
            invoice.MarkedUncollectibleAt = now;
        }

        var json = StripeEmulatorJson.Invoice(invoice);
        events.Add(new(to == "void" ? "invoice.voided" : "invoice.marked_uncollectible", json));
        return json;
    }

    private void MarkPaid(EmulatedInvoice invoice, DateTimeOffset now, List<PendingEvent> events)
    {
        invoice.AmountPaid = invoice.PaidOutOfBand ? 0 : invoice.AmountDue;
        invoice.Status = "paid";
        invoice.PaidAt = now;
        events.Add(new("invoice.paid", StripeEmulatorJson.Invoice(invoice)));
        if (invoice.PaymentIntent is not null)
        {
            events.Add(new("invoice_payment.paid", StripeEmulatorJson.InvoicePayment(invoice)));
        }
    }

    private static void CheckAttachable(EmulatedInvoice invoice, EmulatedInvoiceItem item, string param)
    {
        if (invoice.Status != "draft")
        {
            throw StripeEmulatorError.Invalid("You can only add invoice items to draft invoices.", param, "invoice_not_editable");
        }

        if (item.Invoice is not null)
        {
            throw StripeEmulatorError.Invalid($"The invoice item {item.Id} is already on invoice {item.Invoice}.", param);
        }

        if (invoice.Customer != item.Customer)
        {
            throw StripeEmulatorError.Invalid($"The invoice {invoice.Id} belongs to a different customer than the invoice item.", param);
        }

        if (invoice.Items.Count > 0 && invoice.Currency != item.Currency)
        {
            throw StripeEmulatorError.Invalid($"The invoice item's currency ({item.Currency}) differs from the invoice's ({invoice.Currency}).", param);
        }
    }

    private static void Attach(EmulatedInvoice invoice, EmulatedInvoiceItem item)
    {
        item.Invoice = invoice.Id;
        item.LineId = NewId("il_");
        if (invoice.Items.Count == 0)
        {
            invoice.Currency = item.Currency;
        }

        invoice.Items.Add(item);
    }

    private EmulatedInvoice Invoice(string id, string param = "id") =>
        _invoices.FirstOrDefault(i => i.Id == id) ?? throw StripeEmulatorError.Missing("invoice", id, param);

    private StripeEmulator Allow(StripeForm form, params string[] names)
    {
        form.AllowOnly(names);
        return this;
    }

    private static string OneOf(StripeForm form, string name, params string[] values) => form.Text(name) switch
    {
        null => values[0],
        { } value when values.Contains(value, StringComparer.Ordinal) => value,
        { } value => throw StripeEmulatorError.Invalid($"Invalid {name}: must be one of {string.Join(", ", values)} (got '{value}').", name),
    };

    private static string Currency(string text) => CurrencyCode().IsMatch(text)
        ? text
        : throw StripeEmulatorError.Invalid($"Invalid currency: {text}. Stripe currencies are lowercase ISO codes.", "currency");

    private static DateTimeOffset UnixParam(Dictionary<string, string> members, string name) =>
        members.TryGetValue(name, out var text) && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and <= 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : throw StripeEmulatorError.Invalid($"Invalid integer: period[{name}] must be unix seconds.", $"period[{name}]");

    [GeneratedRegex("^[a-z]{3}$")]
    private static partial Regex CurrencyCode();
}
