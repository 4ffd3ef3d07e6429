using System.Net.Sockets;

namespace PhoneSupport.Load;

/// <summary>
/// Stands in for the load balancer in front of the instances: requests to the public host (the URL Twilio signs,
/// <c>PhoneSupport:PublicBaseUrl</c>) go round-robin to the live backends. A backend that refuses the connection
/// (killed, restarting) is skipped for a second and the request goes to the next one, as a balancer's health
/// check would do; a request that was already sent when its instance died is not retried here (it is reported).
/// </summary>
public sealed class Balancer(IReadOnlyDictionary<string, IReadOnlyList<Uri>> backends) : DelegatingHandler(Handler())
{
    private readonly Dictionary<Uri, long> _downUntil = [];
    private long _next;
    private long _rerouted;

    public long Rerouted => Interlocked.Read(ref _rerouted);

    /// <summary>Replaces the backends of a public host (an instance was added or restarted on another port).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Uri>> Backends { get; set; } = backends;

    public static SocketsHttpHandler Handler() => new()
    {
        MaxConnectionsPerServer = 1024,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        UseProxy = false,
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var original = request.RequestUri!;
        if (!Backends.TryGetValue(original.Authority, out var targets)) return await base.SendAsync(request, cancellationToken);
        var start = (int)(Interlocked.Increment(ref _next) % targets.Count);
        HttpRequestException? last = null;
        for (var i = 0; i < targets.Count; i++)
        {
            var target = targets[(start + i) % targets.Count];
            if (IsDown(target) && i < targets.Count - 1) continue;
            request.RequestUri = new Uri(target, original.PathAndQuery);
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                MarkDown(target);
                Interlocked.Increment(ref _rerouted);
                last = e;
            }
            catch (HttpRequestException e) when (Drained(original.Authority, target) is { } inService)
            {
                // The instance was taken out of service (drained for a graceful shutdown) while this request was on its way,
                // and its keep-alive connection was closed before any answer: as a balancer does for a backend it has just
                // drained, send it once to one still in service (webhooks are idempotent by the service's own guarantee).
                Interlocked.Increment(ref _rerouted);
                request.RequestUri = new Uri(inService, original.PathAndQuery);
                try
                {
                    return await base.SendAsync(request, cancellationToken);
                }
                catch (HttpRequestException retried)
                {
                    last = new HttpRequestException(retried.Message, e);
                }
            }
            finally
            {
                request.RequestUri = original;
            }
        }
        throw last ?? new HttpRequestException("No backend for " + original.Authority);
    }

    /// <summary>A backend still in service for this host when <paramref name="target"/> is no longer one of them; null otherwise.</summary>
    private Uri? Drained(string authority, Uri target) =>
        Backends.TryGetValue(authority, out var current) && !current.Contains(target) && current.Count > 0 ? current[0] : null;

    private bool IsDown(Uri target)
    {
        lock (_downUntil) return _downUntil.TryGetValue(target, out var until) && Environment.TickCount64 < until;
    }

    private void MarkDown(Uri target)
    {
        lock (_downUntil) _downUntil[target] = Environment.TickCount64 + 1000;
    }
}
