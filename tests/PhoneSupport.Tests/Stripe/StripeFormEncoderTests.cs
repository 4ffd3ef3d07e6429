using System.Globalization;
using PhoneSupport.Stripe;

namespace PhoneSupport.Tests.Stripe;

/// <summary>The encoder against the bodies captured from stripe-node 23.1.0 (research/stripe.md §2.2) and Stripe's rules.</summary>
public sealed class StripeFormEncoderTests
{
    [Fact]
    public void An_invoice_item_encodes_byte_for_byte_like_the_captured_stripe_node_body()
    {
        var options = new StripeInvoiceItemCreateOptions("cus_123", 18000, "USD")
        {
            Description = "Night/weekend support 1.5 h @ $120/h",
            Metadata = new Dictionary<string, string> { ["incident_id"] = "INC-42", ["rate"] = "night_weekend" },
            PeriodStart = DateTimeOffset.FromUnixTimeSeconds(1767225600),
            PeriodEnd = DateTimeOffset.FromUnixTimeSeconds(1767231000),
        };

        Assert.Equal(
            "customer=cus_123&amount=18000&currency=usd&description=Night%2Fweekend%20support%201.5%20h%20%40%20%24120%2Fh"
            + "&metadata[incident_id]=INC-42&metadata[rate]=night_weekend&period[start]=1767225600&period[end]=1767231000",
            StripeFormEncoder.Encode(options.ToParams()));
    }

    [Fact]
    public void An_invoice_encodes_like_the_captured_body_with_exclude_and_lowercase_booleans()
    {
        var options = new StripeInvoiceCreateOptions("cus_123") { CollectionMethod = "send_invoice", DaysUntilDue = 30 };

        Assert.Equal(
            "customer=cus_123&collection_method=send_invoice&days_until_due=30&pending_invoice_items_behavior=exclude&auto_advance=false",
            StripeFormEncoder.Encode(options.ToParams()));
    }

    [Fact]
    public void Lists_of_objects_are_indexed_with_nested_metadata_as_in_the_captured_add_lines()
    {
        object?[] lines =
        [
            new Dictionary<string, object?> { ["invoice_item"] = "ii_1" },
            new Dictionary<string, object?>
            {
                ["amount"] = 26000,
                ["description"] = "Holiday 1 h",
                ["metadata"] = new Dictionary<string, string> { ["incident_id"] = "INC-43" },
            },
        ];

        Assert.Equal(
            "lines[0][invoice_item]=ii_1&lines[1][amount]=26000&lines[1][description]=Holiday%201%20h&lines[1][metadata][incident_id]=INC-43",
            StripeFormEncoder.Encode([new("lines", lines)]));
    }

    [Fact]
    public void A_query_encodes_like_the_captured_list_call()
    {
        Assert.Equal("customer=cus_123&pending=true&limit=100&starting_after=ii_9", StripeFormEncoder.Encode(
            [new("customer", "cus_123"), new("pending", true), new("limit", 100), new("starting_after", "ii_9")]));
    }

    [Fact]
    public void Arrays_are_indexed_and_an_empty_list_or_object_or_null_sends_an_empty_value()
    {
        var pairs = StripeFormEncoder.Flatten(
        [
            new("expand", new[] { "lines", "customer" }),
            new("tax_rates", Array.Empty<string>()),
            new("metadata", new Dictionary<string, string?> { ["keep"] = "1", ["drop"] = null }),
            new("footer", null),
            new("custom_fields", new Dictionary<string, object?>()),
        ]);

        Assert.Equal(
        [
            KeyValuePair.Create("expand[0]", "lines"), KeyValuePair.Create("expand[1]", "customer"), KeyValuePair.Create("tax_rates", ""),
            KeyValuePair.Create("metadata[keep]", "1"), KeyValuePair.Create("metadata[drop]", ""), KeyValuePair.Create("footer", ""),
            KeyValuePair.Create("custom_fields", ""),
        ], pairs);
    }

    [Fact]
    public void Values_are_percent_encoded_as_utf8_and_numbers_are_invariant_whatever_the_culture()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");
        try
        {
            Assert.Equal(
                "a=x%2By%26z%3Dw&b=caf%C3%A9%20%E2%82%AC&c=1.2345&d=-7&e=1767225600&f=false&g=2.5",
                StripeFormEncoder.Encode(
                [
                    new("a", "x+y&z=w"), new("b", "café €"), new("c", 1.2345m), new("d", -7L),
                    new("e", new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.FromHours(1))), new("f", false), new("g", 2.5d),
                ]));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void Brackets_in_names_and_unsupported_values_are_refused()
    {
        Assert.Throws<ArgumentException>(() => StripeFormEncoder.Flatten(
            [new("metadata", new Dictionary<string, string> { ["a[b]"] = "x" })]));
        Assert.Throws<ArgumentException>(() => StripeFormEncoder.Flatten([new("", "x")]));
        Assert.Throws<ArgumentException>(() => StripeFormEncoder.Flatten([new("when", DateTime.UnixEpoch)]));
        Assert.Throws<ArgumentException>(() => StripeFormEncoder.Flatten([new("day", DayOfWeek.Monday)]));
    }

    [Fact]
    public void Options_refuse_what_stripe_would_refuse_before_anything_is_sent()
    {
        var start = DateTimeOffset.FromUnixTimeSeconds(1767225600);
        Assert.Throws<ArgumentException>(() => new StripeInvoiceItemCreateOptions("cus_1", 100, "usd") { PeriodStart = start }.ToParams());
        Assert.Throws<ArgumentException>(() =>
            new StripeInvoiceItemCreateOptions("cus_1", 100, "usd") { PeriodStart = start, PeriodEnd = start.AddSeconds(-1) }.ToParams());
        Assert.Throws<ArgumentException>(() => new StripeRefundCreateOptions().ToParams());
        Assert.Throws<ArgumentException>(() => new StripeRefundCreateOptions { PaymentIntent = "pi_1", Charge = "ch_1" }.ToParams());
    }
}
