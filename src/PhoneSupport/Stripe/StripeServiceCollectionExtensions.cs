using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PhoneSupport.Stripe;

/// <summary>Registration of the Stripe client and webhook verifier.</summary>
public static class StripeServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IStripeClient"/> as a typed <see cref="HttpClient"/> (the client sets <c>Authorization: Bearer</c>,
    /// <c>Stripe-Version</c> and <c>Idempotency-Key</c> on each request and times each attempt itself, so the
    /// <see cref="HttpClient.Timeout"/> is infinite; the factory's request logs are removed, the client logs each answer with its <c>Request-Id</c>), binds and validates <see cref="StripeOptions"/> from <c>Stripe</c> at
    /// start, and registers <see cref="StripeWebhookVerifier"/> with <c>Stripe:WebhookSecret</c>.
    /// </summary>
    public static IHttpClientBuilder AddStripeClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<StripeOptions>().BindConfiguration(StripeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new StripeWebhookVerifier(sp.GetRequiredService<IOptions<StripeOptions>>().Value.WebhookSecret ?? ""));
        return services
            .AddHttpClient<IStripeClient, StripeClient>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            })
            .RemoveAllLoggers();
    }
}
