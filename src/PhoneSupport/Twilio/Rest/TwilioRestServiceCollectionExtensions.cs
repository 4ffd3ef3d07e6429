using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PhoneSupport.Twilio.Rest;

/// <summary>Registration of the Twilio REST client.</summary>
public static class TwilioRestServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ITwilioRestClient"/> as a typed <see cref="HttpClient"/> (with <see cref="TwilioWireHandler"/> to
    /// <c>Twilio:ApiBaseUrl</c>), binds <see cref="TwilioOptions"/> and
    /// <see cref="TwilioRestOptions"/> to <c>Twilio</c>, and shares one <see cref="CallsPerSecondLimiter"/> across the process.
    /// The factory's request logging is removed: list URLs carry phone numbers, and the client logs them redacted.
    /// </summary>
    public static IHttpClientBuilder AddTwilioRestClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<TwilioOptions>().BindConfiguration(TwilioOptions.Section);
        services.AddOptions<TwilioRestOptions>().BindConfiguration(TwilioRestOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new CallsPerSecondLimiter(
            sp.GetRequiredService<IOptions<TwilioRestOptions>>().Value.CallsPerSecond, sp.GetRequiredService<TimeProvider>()));
        return services
            .AddHttpClient<ITwilioRestClient, TwilioRestClient>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler(sp => new TwilioWireHandler(
                Uri.TryCreate(sp.GetRequiredService<IOptions<TwilioOptions>>().Value.ApiBaseUrl, UriKind.Absolute, out var apiBase)
                    ? apiBase
                    : throw new InvalidOperationException("Twilio:ApiBaseUrl must be an absolute URL.")))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            })
            .RemoveAllLoggers();
    }
}
