using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PhoneSupport.Emulators;

/// <summary>The one way an emulator listens: a slim Kestrel app on 127.0.0.1 (port 0 = any free port), every request to one handler.</summary>
internal static class LoopbackHost
{
    public static async Task<(WebApplication App, string BaseUrl)> StartAsync(int port, RequestDelegate handler, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync(cancellationToken);
        return (app, app.Urls.Single().TrimEnd('/'));
    }
}
