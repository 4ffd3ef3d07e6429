using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PhoneSupport.Emulators.Twilio.Rest;

/// <summary>
/// Twilio's REST API (the <c>Calls.json</c>/<c>Messages.json</c> slice, research/twilio.md §4) on a real Kestrel server
/// on 127.0.0.1: Basic auth, form bodies, Twilio's JSON and error JSON, an optional CPS limit, queued faults per
/// endpoint, and — optionally — Twilio's part of each created call played against the service (<see cref="RunCallAsync"/>).
/// Everything received is kept for inspection. Thread-safe.
/// </summary>
public sealed partial class TwilioEmulator : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new();

    private readonly Lock _gate = new();
    private readonly TwilioEmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly List<EmulatorRequest> _requests = [];
    private readonly List<EmulatedCall> _calls = [];
    private readonly List<EmulatedMessage> _messages = [];
    private readonly Dictionary<TwilioEndpoint, Queue<Fault>> _faults = [];
    private readonly ConcurrentDictionary<string, CalledParty> _phones = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private long? _lastCreateTimestamp;

    public TwilioEmulator(TwilioEmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = options.TimeProvider;
    }

    private enum FaultKind
    {
        Fail,
        Delay,
        FailAfterProcessing,
    }

    /// <summary><c>http://127.0.0.1:{port}</c> once started: the client's <c>Twilio:ApiBaseUrl</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    public string AccountSid => _options.AccountSid;

    public IReadOnlyList<EmulatorRequest> Requests => Snapshot(_requests);

    public IReadOnlyList<EmulatedCall> Calls => Snapshot(_calls);

    public IReadOnlyList<EmulatedMessage> Messages => Snapshot(_messages);

    /// <summary>The requests that reached <paramref name="endpoint"/>, in order.</summary>
    public IReadOnlyList<EmulatorRequest> RequestsTo(TwilioEndpoint endpoint) => Requests.Where(r => r.Endpoint == endpoint).ToList();

    public EmulatedCall? FindCall(string callSid)
    {
        lock (_gate)
        {
            return _calls.FirstOrDefault(c => c.Sid == callSid);
        }
    }

    /// <summary>Starts Kestrel on 127.0.0.1 and returns <see cref="BaseUrl"/>.</summary>
    public async Task<string> StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            return BaseUrl;
        }

        (_app, BaseUrl) = await LoopbackHost.StartAsync(_options.Port, HandleAsync, cancellationToken);
        return BaseUrl;
    }

    /// <summary>The next <paramref name="count"/> requests to <paramref name="endpoint"/> answer Twilio error JSON and do nothing.</summary>
    public void FailNext(TwilioEndpoint endpoint, int status, int twilioCode, int count = 1, string? message = null) =>
        Enqueue(endpoint, count, new Fault(FaultKind.Fail, status, twilioCode, TimeSpan.Zero, message));

    /// <summary>The next <paramref name="count"/> requests wait <paramref name="delay"/> (real time), then are handled as usual.</summary>
    public void DelayNext(TwilioEndpoint endpoint, TimeSpan delay, int count = 1) =>
        Enqueue(endpoint, count, new Fault(FaultKind.Delay, 0, 0, delay, null));

    /// <summary>"Took it but answered 500": the next requests are carried out (the call IS created), then answered with an error.</summary>
    public void FailAfterProcessingNext(TwilioEndpoint endpoint, int status = 500, int twilioCode = 20500, int count = 1) =>
        Enqueue(endpoint, count, new Fault(FaultKind.FailAfterProcessing, status, twilioCode, TimeSpan.Zero, null));

    /// <summary>Says how <paramref name="number"/> answers when the emulator calls or dials it.</summary>
    public TwilioEmulator Phone(string number, CalledParty party)
    {
        ArgumentException.ThrowIfNullOrEmpty(number);
        _phones[number] = party ?? throw new ArgumentNullException(nameof(party));
        return this;
    }

    /// <summary>
    /// The newest redirect (an update with <c>Url</c>) the call took since the last look, or null: how the driver of an
    /// inbound call (<see cref="CallDriverOptions.Redirects"/>) learns that the REST API moved it.
    /// </summary>
    public CallRedirect? TakeRedirect(string callSid)
    {
        lock (_gate)
        {
            var call = _calls.FirstOrDefault(c => c.Sid == callSid);
            if (call is null)
            {
                return null;
            }

            var updates = call.Updates;
            var fresh = updates.Skip(call.UpdatesTaken).LastOrDefault(u => u.Any(p => p.Key == "Url"));
            call.UpdatesTaken = updates.Count;
            if (fresh is null)
            {
                return null;
            }

            var method = fresh.FirstOrDefault(p => p.Key == "Method").Value;
            return new CallRedirect(fresh.First(p => p.Key == "Url").Value, string.IsNullOrEmpty(method) ? "POST" : method.ToUpperInvariant());
        }
    }

    /// <summary>
    /// Not Twilio's API: the back channel a call driver in another process (<c>phonesupport call</c>) uses for an inbound
    /// call it plays, under the account's Basic credentials. <c>POST /emulator/calls/{sid}/track</c> (form <c>From</c>,
    /// <c>To</c>) makes it known to the REST API (<see cref="TrackCall"/>); <c>GET /emulator/calls/{sid}/redirect</c> answers
    /// <c>{"url","method"}</c> of a redirect the REST API took since the last look (<see cref="TakeRedirect"/>), or 204.
    /// </summary>
    private async Task BackChannelAsync(HttpContext context, string rest, List<KeyValuePair<string, string>> form)
    {
        var credentials = new EmulatorRequest
        {
            Method = context.Request.Method, Path = context.Request.Path.Value ?? "", Form = form, Query = [],
            Authorization = context.Request.Headers.Authorization.FirstOrDefault(), ReceivedAt = _time.GetUtcNow(),
        }.BasicCredentials;
        if (credentials is not { } c || c.User != _options.AccountSid || c.Password != _options.AuthToken)
        {
            context.Response.StatusCode = 401;
            return;
        }

        var parts = rest.Trim('/').Split('/');
        if (parts is [var sid, "track"] && HttpMethods.IsPost(context.Request.Method))
        {
            if (FindCall(sid) is null)
            {
                TrackCall(sid, form.FirstOrDefault(p => p.Key == "From").Value ?? "", form.FirstOrDefault(p => p.Key == "To").Value ?? "");
            }

            context.Response.StatusCode = 204;
            return;
        }

        if (parts is [var callSid, "redirect"] && HttpMethods.IsGet(context.Request.Method))
        {
            if (TakeRedirect(callSid) is not { } redirect)
            {
                context.Response.StatusCode = 204;
                return;
            }

            context.Response.ContentType = "application/json; charset=utf-8";
            await JsonSerializer.SerializeAsync(context.Response.Body, new Dictionary<string, string> { ["url"] = redirect.Url, ["method"] = redirect.Method },
                Json, CancellationToken.None);
            return;
        }

        context.Response.StatusCode = 404;
    }

    /// <summary>Makes a call the emulator did not create (an inbound call a <see cref="CallDriver"/> plays) updatable and listable.</summary>
    public EmulatedCall TrackCall(string callSid, string from, string to, string direction = "inbound", string status = "in-progress")
    {
        var now = _time.GetUtcNow();
        var call = new EmulatedCall
        {
            Sid = callSid, AccountSid = _options.AccountSid, From = from, To = to, Direction = direction, DateCreated = now,
            Status = status, DateUpdated = now, StartTime = now,
        };
        lock (_gate)
        {
            _calls.Add(call);
        }

        return call;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Task[] runs;
        lock (_gate)
        {
            runs = [.. _runs.Values];
        }

        foreach (var run in runs)
        {
            try
            {
                await run;
            }
            catch (Exception)
            {
                // A run cut short by the shutdown, or one that failed: RunCallAsync already reports it to its callers.
            }
        }

        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _webhooks.Dispose();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var http = context.Request;
        var form = new List<KeyValuePair<string, string>>();
        if (http.HasFormContentType)
        {
            foreach (var (name, values) in await http.ReadFormAsync(context.RequestAborted))
            {
                form.AddRange(values.Select(v => KeyValuePair.Create(name, v ?? "")));
            }
        }

        if (http.Path.StartsWithSegments("/emulator/calls", out var rest))
        {
            await BackChannelAsync(context, rest.Value ?? "", form);
            return;
        }

        var match = Route().Match(http.Path.Value ?? "");
        var request = new EmulatorRequest
        {
            Method = http.Method, Path = http.Path.Value ?? "", Form = form,
            Query = http.Query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))).ToList(),
            Authorization = http.Headers.Authorization.FirstOrDefault(), ContentType = http.ContentType,
            Accept = http.Headers.Accept.FirstOrDefault(), UserAgent = http.Headers.UserAgent.FirstOrDefault(),
            ReceivedAt = _time.GetUtcNow(), Endpoint = match.Success ? EndpointOf(http.Method, match) : null,
        };
        lock (_gate)
        {
            _requests.Add(request);
        }

        var (status, body) = await AnswerAsync(request, match, context);
        request.ResponseStatus = status;
        context.Response.StatusCode = status;
        if (status == 401)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Twilio API\"";
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, Json, CancellationToken.None);
    }

    private async Task<(int Status, object Body)> AnswerAsync(EmulatorRequest request, Match match, HttpContext context)
    {
        if (request.Endpoint is not { } endpoint)
        {
            return NotFound(request.Path);
        }

        if (request.BasicCredentials is not { } credentials
            || credentials.User != _options.AccountSid || credentials.Password != _options.AuthToken)
        {
            return EmulatorJson.Error(401, 20003, "Authenticate", "Your AccountSid or AuthToken was incorrect.");
        }

        if (match.Groups["account"].Value != _options.AccountSid)
        {
            return NotFound(request.Path);
        }

        var fault = NextFault(endpoint);
        if (fault?.Kind == FaultKind.Delay)
        {
            try
            {
                await Task.Delay(fault.Delay, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return EmulatorJson.Error(503, 20503, "Service unavailable");
            }
        }

        if (fault?.Kind == FaultKind.Fail)
        {
            return EmulatorJson.Error(fault.Status, fault.Code, fault.Message ?? EmulatorJson.DefaultMessage(fault.Code));
        }

        var sid = match.Groups["sid"].Value;
        var (status, body) = endpoint switch
        {
            TwilioEndpoint.CreateCall => CreateCall(request, context),
            TwilioEndpoint.UpdateCall => UpdateCall(request, sid),
            TwilioEndpoint.FetchCall => FindCall(sid) is { } call ? (200, EmulatorJson.Call(call)) : NotFound(request.Path),
            TwilioEndpoint.ListCalls => ListCalls(request),
            _ => CreateMessage(request),
        };
        return fault?.Kind == FaultKind.FailAfterProcessing && status < 300
            ? EmulatorJson.Error(fault.Status, fault.Code, EmulatorJson.DefaultMessage(fault.Code))
            : (status, body);
    }

    private static TwilioEndpoint? EndpointOf(string method, Match match) =>
        (match.Groups["resource"].Value, match.Groups["sid"].Success, method) switch
        {
            ("Calls", false, "POST") => TwilioEndpoint.CreateCall,
            ("Calls", false, "GET") => TwilioEndpoint.ListCalls,
            ("Calls", true, "POST") => TwilioEndpoint.UpdateCall,
            ("Calls", true, "GET") => TwilioEndpoint.FetchCall,
            ("Messages", false, "POST") => TwilioEndpoint.CreateMessage,
            _ => null,
        };

    private static (int, object) NotFound(string path) =>
        EmulatorJson.Error(404, 20404, $"The requested resource {path} was not found");

    private void Enqueue(TwilioEndpoint endpoint, int count, Fault fault)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_gate)
        {
            if (!_faults.TryGetValue(endpoint, out var queue))
            {
                _faults[endpoint] = queue = new Queue<Fault>();
            }

            for (var i = 0; i < count; i++)
            {
                queue.Enqueue(fault);
            }
        }
    }

    private Fault? NextFault(TwilioEndpoint endpoint)
    {
        lock (_gate)
        {
            return _faults.TryGetValue(endpoint, out var queue) && queue.TryDequeue(out var fault) ? fault : null;
        }
    }

    private List<T> Snapshot<T>(List<T> list)
    {
        lock (_gate)
        {
            return [.. list];
        }
    }

    [GeneratedRegex(@"^/2010-04-01/Accounts/(?<account>[^/]+)/(?<resource>Calls|Messages)(?:/(?<sid>[^/]+))?\.json$")]
    private static partial Regex Route();

    private sealed record Fault(FaultKind Kind, int Status, int Code, TimeSpan Delay, string? Message);
}
