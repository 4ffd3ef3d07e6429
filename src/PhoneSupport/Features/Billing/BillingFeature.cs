using Microsoft.Extensions.Options;
using PhoneSupport.Stripe;

namespace PhoneSupport.Features.Billing;

/// <summary>Incidents, charges, the Stripe outbox and webhook, purchases and quotes.</summary>
public static class BillingFeature
{
    public static WebApplicationBuilder AddBilling(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<BillingOptions>().BindConfiguration(BillingOptions.Section)
            .Validate(o => o.PostingDelay >= TimeSpan.Zero && o.PollInterval > TimeSpan.Zero && o.LeaseTime > TimeSpan.Zero && o.RetryBaseDelay >= TimeSpan.Zero
                && o.MaxRetryDelay >= o.RetryBaseDelay && o.BatchSize is > 0 and <= 500 && o.QuoteValidity > TimeSpan.Zero,
                "PhoneSupport:Billing: PostingDelay ≥ 0, PollInterval, LeaseTime and QuoteValidity > 0, MaxRetryDelay ≥ RetryBaseDelay, BatchSize 1–500.")
            .ValidateOnStart();
        builder.Services.AddOptions<StripeOptions>().Validate(o => !string.IsNullOrWhiteSpace(o.WebhookSecret), "Stripe:WebhookSecret is required (the endpoint's whsec_… signing secret).");
        builder.Services.AddStripeClient();
        builder.Services.AddScoped<IncidentService>();
        builder.Services.AddScoped<BillingJobQueue>();
        builder.Services.AddScoped<ChargeTrail>();
        builder.Services.AddScoped<InvoicePosting>();
        builder.Services.AddScoped<ChargeReversal>();
        builder.Services.AddScoped<MonthlyInvoiceScheduler>();
        builder.Services.AddScoped<BillingOutbox>();
        builder.Services.AddScoped<ChargeQueries>();
        builder.Services.AddScoped<ChargeWaiver>();
        builder.Services.AddScoped<PurchaseService>();
        builder.Services.AddScoped<PhoneQuoteService>();
        builder.Services.AddScoped<StripeWebhookHandler>();
        builder.Services.AddHostedService<BillingOutboxService>();
        return builder;
    }

    /// <summary><c>POST /stripe/webhook</c>: verified from the raw body, no antiforgery (the signature replaces it).</summary>
    public static WebApplication MapStripeWebhook(this WebApplication app)
    {
        app.MapPost("/stripe/webhook", (HttpRequest request, StripeWebhookHandler handler, CancellationToken ct) => handler.HandleAsync(request, ct))
            .DisableAntiforgery().ExcludeFromDescription();
        return app;
    }
}
