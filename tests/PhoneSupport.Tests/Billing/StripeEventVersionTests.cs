using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using NodaTime;
using PhoneSupport.Tests.Hardening;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Billing;

/// <summary>
/// Stripe.net reads events in its own API version only (<c>EventUtility.ParseEvent</c>, <c>throwOnApiVersionMismatch</c>):
/// an authentic event of another version is refused with 400 and an error log line naming both versions, and stored
/// nowhere; the same event in the library's version (or another of its release) is taken. And what the 2025 versions moved:
/// <c>invoice_payment.paid</c> names the payment, a charge no longer names its invoice.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class StripeEventVersionTests(ServiceFixture fixture) : IDisposable
{
    private readonly Instant _restore = fixture.Clock.GetCurrentInstant();

    public void Dispose() => fixture.Clock.Set(_restore);

    [Fact]
    public async Task AnEventOfAnotherApiVersion_IsRefusedWith400AndAnErrorLogLine_TheSameEventInTheLibrarysVersionIsTaken()
    {
        var capture = new CapturingLoggerProvider();
        await using var factory = fixture.CreateFactory("Development", fixture.ConnectionString).WithWebHostBuilder(web =>
            web.ConfigureLogging(logging => logging.AddProvider(capture)));
        using var client = factory.CreateClient();
        var invoice = "in_Version" + TestAccounts.UniqueDigits(12);

        var old = await PostAsync(client, Event("evt_Old" + invoice, "2024-06-20",
            $$"""{"id":"{{invoice}}","object":"invoice","status":"paid","charge":"ch_1","payment_intent":"pi_1","paid":true}"""));
        var basil = await PostAsync(client, Event("evt_Basil" + invoice, "2025-03-31.basil", $$"""{"id":"{{invoice}}","object":"invoice","status":"paid"}"""));
        var current = await PostAsync(client, Event("evt_Now" + invoice, global::Stripe.StripeConfiguration.ApiVersion,
            $$"""{"id":"{{invoice}}","object":"invoice","status":"paid"}"""));
        var sameRelease = await PostAsync(client, Event("evt_Endive" + invoice, "2026-09-30.endive", $$"""{"id":"{{invoice}}","object":"invoice","status":"paid"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
        Assert.Equal("application/problem+json", old.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Unsupported API version", await old.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, basil.StatusCode);
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        Assert.Equal(HttpStatusCode.OK, sameRelease.StatusCode);
        var refused = capture.Entries.Where(e => e.Level == LogLevel.Error && e.Message.StartsWith("Refused Stripe event", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, refused.Count);
        Assert.Contains(refused, e => e.Message.Contains("evt_Old" + invoice, StringComparison.Ordinal) && e.Message.Contains("API version 2024-06-20", StringComparison.Ordinal)
            && e.Message.Contains("speaks " + global::Stripe.StripeConfiguration.ApiVersion, StringComparison.Ordinal));
        Assert.Equal(0L, await fixture.ScalarAsync<long>("select count(*) from stripe_events where id in ($1, $2)", "evt_Old" + invoice, "evt_Basil" + invoice));
        Assert.Equal(2L, await fixture.ScalarAsync<long>("select count(*) from stripe_events where id in ($1, $2)", "evt_Now" + invoice, "evt_Endive" + invoice));
    }

    [Fact]
    public async Task InvoicePaymentPaid_TeachesTheChargeItsPaymentIntent_AndChargeRefundedFindsItByThatIntentWithoutAnInvoice()
    {
        var (_, sid, _) = await Billed.ContractCallAsync(fixture, new LocalDateTime(2026, 7, 21, 22, 0), 2, TimeSpan.FromMinutes(40));
        var charge = await Billed.ChargeIdAsync(fixture, sid, "priced");
        await Billed.PostAllAsync(fixture);
        Assert.Equal("paid", await fixture.ScalarAsync<string>("select status from charges where id = $1", charge));
        var invoiceId = await fixture.ScalarAsync<string>("select stripe_invoice_id from charges where id = $1", charge);
        var invoice = fixture.Stripe.FindInvoice(invoiceId!)!;
        // The pay answer (payments expanded) already told the outbox the payment intent and the charge.
        Assert.Equal(invoice.PaymentIntent, await fixture.ScalarAsync<string>("select stripe_payment_intent_id from charges where id = $1", charge));
        Assert.Equal(invoice.Charge, await fixture.ScalarAsync<string>("select stripe_charge_id from charges where id = $1", charge));
        // The endpoint (as the README enables it) also got invoice_payment.paid from the emulator, and found the charge.
        Assert.Equal("payment learnt on 1 charge(s)", await fixture.ScalarAsync<string>(
            "select outcome from stripe_events where type = 'invoice_payment.paid' and object_id = $1", "inpay_" + invoice.Id[3..]));
        await fixture.ScalarAsync<int?>("update charges set stripe_payment_intent_id = null, stripe_charge_id = null where id = $1", charge);
        var webhook = ServiceFixture.PublicBaseUrl + "/stripe/webhook";

        var learnt = await fixture.Stripe.SendEventAsync(webhook, "invoice_payment.paid", fixture.Stripe.InvoicePaymentOf(invoice));
        var refunded = await fixture.Stripe.SendEventAsync(webhook, "charge.refunded", new Dictionary<string, object?>
        {
            ["id"] = invoice.Charge, ["object"] = "charge", ["amount"] = invoice.AmountPaid, ["amount_refunded"] = invoice.AmountPaid,
            ["currency"] = invoice.Currency, ["payment_intent"] = invoice.PaymentIntent, ["refunded"] = true, ["status"] = "succeeded",
        });

        Assert.Equal((200, 200), (learnt.Status, refunded.Status));
        Assert.Contains("payment learnt on 1 charge(s)", learnt.ResponseBody, StringComparison.Ordinal);
        Assert.Equal(invoice.PaymentIntent, await fixture.ScalarAsync<string>("select stripe_payment_intent_id from charges where id = $1", charge));
        Assert.Equal("refunded", await fixture.ScalarAsync<string>("select status from charges where id = $1", charge));
    }

    private Task<HttpResponseMessage> PostAsync(HttpClient client, string payload)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/stripe/webhook") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", fixture.Stripe.SignatureHeader(payload));
        return client.SendAsync(request);
    }

    private static string Event(string id, string apiVersion, string dataObject) =>
        $$"""{"id":"{{id}}","object":"event","api_version":"{{apiVersion}}","created":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}},"data":{"object":{{dataObject}}},"livemode":false,"pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"type":"invoice.paid"}""";
}
