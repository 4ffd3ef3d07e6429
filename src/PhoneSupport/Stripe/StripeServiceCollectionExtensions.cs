using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PhoneSupport.Stripe;

/// <summary>Registration of the Stripe client and webhook verifier.</summary>
public static class StripeServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IStripeClient"/> as a typed <see cref="HttpClient"/> handed to Stripe.net (which sets
    /// <c>Authorization: Bearer</c> and <c>Stripe-Version</c>; our client passes our <c>Idempotency-Key</c> and times each attempt itself, so the
    /// <see cref="HttpClient.Timeout"/> is infinite; the factory's request logs are removed, the client logs each answer with its <c>Request-Id</c>), binds and validates <see cref="StripeOptions"/> from <c>Stripe</c> at
    /// start, and registers <see cref="StripeWebhookVerifier"/> with <c>Stripe:WebhookSecret</c>.
    /// </summary>
    public static IHttpClientBuilder AddStripeClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<StripeOptions>().BindConfiguration(StripeOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.ApiVersion == global::Stripe.StripeConfiguration.ApiVersion,
                $"Stripe:ApiVersion must be {(global::Stripe.StripeConfiguration.ApiVersion)}, the version Stripe.net {(global::Stripe.StripeConfiguration.StripeNetVersion)} speaks (or be left unset).")
            .ValidateOnStart();
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
