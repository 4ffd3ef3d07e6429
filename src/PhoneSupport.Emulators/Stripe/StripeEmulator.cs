using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PhoneSupport.Emulators.Stripe;

/// <summary>
/// Stripe API v1's invoicing slice (research/stripe.md §1–2) on a real Kestrel server on 127.0.0.1: secret-key auth,
/// bracket form bodies, Stripe's JSON with <c>ii_</c>/<c>in_</c>/<c>cn_</c>/<c>re_</c> ids and error JSON, the invoice state
/// machine, the idempotency layer (same key and parameters → the saved answer, other parameters → 400
/// <c>idempotency_error</c>, a key still in flight → 409), queued faults per endpoint, and signed webhook events
/// (<see cref="SendEventAsync"/>, or automatically after invoice transitions). Everything is kept for inspection. Thread-safe.
/// </summary>
public sealed partial class StripeEmulator : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new();
    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private readonly Lock _gate = new();
    private readonly StripeEmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly List<StripeEmulatorRequest> _requests = [];
    private readonly List<EmulatedInvoice> _invoices = [];
    private readonly List<EmulatedInvoiceItem> _items = [];
    private readonly List<EmulatedCreditNote> _creditNotes = [];
    private readonly List<EmulatedRefund> _refunds = [];
    private readonly Dictionary<StripeEndpoint, Queue<Fault>> _faults = [];
    private readonly Dictionary<string, SavedAnswer> _idempotency = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _declines = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;

    public StripeEmulator(StripeEmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = options.TimeProvider;
        _webhooks = new HttpClient(options.WebhookHandler?.Invoke() ?? new SocketsHttpHandler { AllowAutoRedirect = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary><c>http://127.0.0.1:{port}</c> once started: the client's <c>Stripe:ApiBaseUrl</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<StripeEmulatorRequest> Requests => Snapshot(_requests);

    public IReadOnlyList<EmulatedInvoice> Invoices => Snapshot(_invoices);

    public IReadOnlyList<EmulatedInvoiceItem> InvoiceItems => Snapshot(_items);

    public IReadOnlyList<EmulatedCreditNote> CreditNotes => Snapshot(_creditNotes);

    public IReadOnlyList<EmulatedRefund> Refunds => Snapshot(_refunds);

    /// <summary>The requests that reached <paramref name="endpoint"/>, in order.</summary>
    public IReadOnlyList<StripeEmulatorRequest> RequestsTo(StripeEndpoint endpoint) => Requests.Where(r => r.Endpoint == endpoint).ToList();

    public EmulatedInvoice? FindInvoice(string id)
    {
        lock (_gate)
        {
            return _invoices.FirstOrDefault(i => i.Id == id);
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

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await WaitForDeliveriesAsync();
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
        string raw;
        if (HttpMethods.IsGet(http.Method))
        {
            raw = http.QueryString.HasValue ? http.QueryString.Value![1..] : "";
        }
        else
        {
            using var reader = new StreamReader(http.Body, Encoding.UTF8);
            raw = await reader.ReadToEndAsync(context.RequestAborted);
        }

        var match = Route().Match(http.Path.Value ?? "");
        var request = new StripeEmulatorRequest
        {
            Method = http.Method, Path = http.Path.Value ?? "", RawForm = raw, Form = StripeForm.Decode(raw),
            Authorization = http.Headers.Authorization.FirstOrDefault(), StripeVersion = Header(http, "Stripe-Version"),
            IdempotencyKey = Header(http, "Idempotency-Key"), ContentType = http.ContentType, UserAgent = Header(http, "User-Agent"),
            Headers = http.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            RequestId = NewId("req_"), ReceivedAt = _time.GetUtcNow(), Endpoint = match.Success ? EndpointOf(http.Method, match) : null,
        };
        lock (_gate)
        {
            _requests.Add(request);
        }

        var answer = await AnswerAsync(request, match);
        request.ResponseStatus = answer.Status;
        request.Replayed = answer.Replayed;
        var headers = context.Response.Headers;
        context.Response.StatusCode = answer.Status;
        headers["Request-Id"] = request.RequestId;
        headers["Stripe-Version"] = request.StripeVersion ?? _options.ApiVersion ?? DefaultApiVersion;
        if (request.IdempotencyKey is not null && HttpMethods.IsPost(http.Method))
        {
            headers["Idempotency-Key"] = request.IdempotencyKey;
        }

        if (answer.Replayed)
        {
            headers["Idempotent-Replayed"] = "true";
        }

        if (answer.ShouldRetry is { } shouldRetry)
        {
            headers["Stripe-Should-Retry"] = shouldRetry ? "true" : "false";
        }

        if (answer.Status == 401)
        {
            headers.WWWAuthenticate = "Bearer realm=\"Stripe\"";
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.Json, CancellationToken.None);
    }

    private async Task<Answer> AnswerAsync(StripeEmulatorRequest request, Match match)
    {
        if (request.Endpoint is not { } endpoint)
        {
            return Error(new StripeEmulatorError(404, "invalid_request_error", $"Unrecognized request URL ({request.Method}: {request.Path})."), request);
        }

        if (Unauthorized(request.Authorization) is { } denied)
        {
            return Error(denied, request);
        }

        if (_options.ApiVersion is { } version && request.StripeVersion != version)
        {
            return Error(StripeEmulatorError.Invalid($"Invalid Stripe API version: '{request.StripeVersion}'. This account is pinned to {version}."), request);
        }

        var fault = NextFault(endpoint);
        if (fault?.Kind == FaultKind.Fail)
        {
            return Error(fault.Error!, request) with { ShouldRetry = fault.ShouldRetry };
        }

        var key = request.Method == "POST" ? request.IdempotencyKey : null;
        if (key is not null && Reserve(key, StripeForm.Fingerprint(request.Method, request.Path, request.Form), request) is { } early)
        {
            return early;
        }

        Answer answer;
        var events = new List<PendingEvent>();
        try
        {
            if (fault?.Kind == FaultKind.Delay)
            {
                await Task.Delay(fault.Delay, _stopping.Token);
            }

            answer = Execute(request, match.Groups["id"].Value, events);
        }
        catch (OperationCanceledException)
        {
            answer = Error(StripeEmulatorError.ForStatus(503, null, null, null, "The emulator is shutting down."), request);
        }

        if (key is not null)
        {
            Settle(key, answer);
        }

        Deliver(events, request);
        return fault?.Kind == FaultKind.FailAfterProcessing && answer.Status < 300
            ? Error(fault.Error!, request) with { ShouldRetry = fault.ShouldRetry }
            : answer;
    }

    private static StripeEndpoint? EndpointOf(string method, Match match) =>
        (match.Groups["resource"].Value, match.Groups["id"].Success, match.Groups["action"].Value, method) switch
        {
            ("invoiceitems", false, "", "POST") => StripeEndpoint.CreateInvoiceItem,
            ("invoices", false, "", "POST") => StripeEndpoint.CreateInvoice,
            ("invoices", true, "", "GET") => StripeEndpoint.RetrieveInvoice,
            ("invoices", true, "add_lines", "POST") => StripeEndpoint.AddInvoiceLines,
            ("invoices", true, "finalize", "POST") => StripeEndpoint.FinalizeInvoice,
            ("invoices", true, "pay", "POST") => StripeEndpoint.PayInvoice,
            ("invoices", true, "void", "POST") => StripeEndpoint.VoidInvoice,
            ("invoices", true, "mark_uncollectible", "POST") => StripeEndpoint.MarkInvoiceUncollectible,
            ("credit_notes", false, "", "POST") => StripeEndpoint.CreateCreditNote,
            ("refunds", false, "", "POST") => StripeEndpoint.CreateRefund,
            _ => null,
        };

    private static Answer Error(StripeEmulatorError error, StripeEmulatorRequest request) =>
        new(error.Status, JsonSerializer.Serialize(error.ToJson(request.RequestId), Json), error.ShouldRetry, false);

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) ? values.FirstOrDefault() : null;

    private static string NewId(string prefix) => prefix + RandomNumberGenerator.GetString(IdAlphabet, 24);

    private List<T> Snapshot<T>(List<T> list)
    {
        lock (_gate)
        {
            return [.. list];
        }
    }

    [GeneratedRegex(@"^/v1/(?<resource>invoiceitems|invoices|credit_notes|refunds)(?:/(?<id>[^/]+)(?:/(?<action>[a-z_]+))?)?$")]
    private static partial Regex Route();

    private sealed record Answer(int Status, string Json, bool? ShouldRetry, bool Replayed);

    private sealed record SavedAnswer(string Fingerprint, Answer? Answer);
}
