using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace PhoneSupport.Storm;

/// <summary>
/// Service instances hosted in this process for the harnesses: Production settings, background loops off unless a
/// harness turns one on, quiet logs. Each harness adds its own keys (emulator URLs, which loop runs) and services.
/// </summary>
public static class InProcessInstances
{
    /// <summary>Outside a test project the factory cannot guess the service's content root, and several hosts in one process must not watch config files.</summary>
    public static void PrepareProcess()
    {
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_PHONESUPPORT", AppContext.BaseDirectory);
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
    }

    public static WebApplicationFactory<Program> Create(string connection, IReadOnlyDictionary<string, string> settings,
        Action<IServiceCollection>? services = null) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Production");
            web.UseSetting("ConnectionStrings:PhoneSupport", connection);
            web.UseSetting("PhoneSupport:PublicBaseUrl", "http://localhost");
            web.UseSetting("PhoneSupport:Billing:WorkerEnabled", "false");
            web.UseSetting("PhoneSupport:Callbacks:DispatcherEnabled", "false");
            web.UseSetting("PhoneSupport:Queue:DispatcherEnabled", "false");
            web.UseSetting("Logging:LogLevel:Default", "Warning");
            web.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");
            foreach (var (key, value) in settings) web.UseSetting(key, value);
            if (services is not null) web.ConfigureTestServices(services);
        });
}

/// <summary>A handler made on first use: an emulator starts before the host it delivers to exists.</summary>
public sealed class LazyHandler(Func<HttpMessageHandler> create) : HttpMessageHandler
{
    private readonly Lazy<HttpMessageInvoker> _inner = new(() => new HttpMessageInvoker(create()));

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _inner.Value.SendAsync(request, cancellationToken);
}
