using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace PhoneSupport.Tests.Emulators;

/// <summary>One request the fake service received, as it arrived on the wire.</summary>
internal sealed record RecordedRequest(
    string Method, string Url, string Path, IReadOnlyList<KeyValuePair<string, string>> Form, string? Signature)
{
    public string? this[string name] => Form.Where(p => p.Key == name).Select(p => p.Value).FirstOrDefault();
}

/// <summary>
/// A tiny real Kestrel app on 127.0.0.1 that serves fixed TwiML per path and records every request.
/// Unknown paths (status callbacks) answer 204.
/// </summary>
internal sealed class TwimlTestServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, Func<RecordedRequest, IResult>> _routes = new(StringComparer.Ordinal);
    private WebApplication? _app;

    public string BaseUrl { get; private set; } = "";

    public string VoiceUrl => BaseUrl + "/twilio/voice";

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    public static string Response(string verbs) => $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>{verbs}</Response>";

    public static async Task<TwimlTestServer> StartAsync()
    {
        var server = new TwimlTestServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server._app = app;
        server.BaseUrl = app.Urls.Single().TrimEnd('/');
        return server;
    }

    /// <summary>Serves <paramref name="verbs"/> wrapped in a Response document at <paramref name="path"/>.</summary>
    public TwimlTestServer Twiml(string path, string verbs) => Twiml(path, _ => verbs);

    public TwimlTestServer Twiml(string path, Func<RecordedRequest, string> verbs)
    {
        _routes[path] = request => Results.Content(Response(verbs(request)), "application/xml");
        return this;
    }

    public TwimlTestServer Respond(string path, Func<RecordedRequest, IResult> respond)
    {
        _routes[path] = respond;
        return this;
    }

    /// <summary>The requests made to <paramref name="path"/> (query string ignored), in order.</summary>
    public IReadOnlyList<RecordedRequest> To(string path) => Requests.Where(r => r.Path == path).ToList();

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var form = new List<KeyValuePair<string, string>>();
        if (context.Request.HasFormContentType)
        {
            foreach (var (name, values) in await context.Request.ReadFormAsync())
            {
                form.AddRange(values.Select(v => KeyValuePair.Create(name, v ?? "")));
            }
        }

        var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var request = new RecordedRequest(
            context.Request.Method,
            $"{context.Request.Scheme}://{context.Request.Host}{rawTarget}",
            context.Request.Path.Value ?? "",
            form,
            context.Request.Headers["X-Twilio-Signature"].FirstOrDefault());
        _requests.Enqueue(request);
        var result = _routes.TryGetValue(request.Path, out var route) ? route(request) : Results.NoContent();
        await result.ExecuteAsync(context);
    }
}
