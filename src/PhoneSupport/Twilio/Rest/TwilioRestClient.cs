using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace PhoneSupport.Twilio.Rest;

/// <summary>
/// <see cref="ITwilioRestClient"/> over a typed <see cref="HttpClient"/>: Basic <c>AccountSid:AuthToken</c>, UTF-8 form
/// bodies, <c>Accept: application/json</c>, a per-attempt timeout and retries with jittered exponential backoff.
/// Creates are retried only when Twilio surely did not take them (see <see cref="ITwilioRestClient.CreateCallAsync"/>);
/// updates, fetches and lists are idempotent and are retried on 429, 5xx, timeouts and broken connections.
/// Logs never carry the auth token, and phone numbers only redacted.
/// </summary>
public sealed partial class TwilioRestClient : ITwilioRestClient
{
    private const string UserAgent = "PhoneSupport-TwilioRest/1.0";

    private readonly HttpClient _http;
    private readonly TwilioRestOptions _options;
    private readonly CallsPerSecondLimiter _limiter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AuthenticationHeaderValue _authorization;
    private readonly string _apiBase;
    private readonly string _accountPath;

    public TwilioRestClient(
        HttpClient http, IOptions<TwilioOptions> twilio, IOptions<TwilioRestOptions> options, CallsPerSecondLimiter limiter,
        TimeProvider time, ILogger<TwilioRestClient> logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(twilio);
        ArgumentNullException.ThrowIfNull(options);
        var account = twilio.Value;
        if (string.IsNullOrWhiteSpace(account.AccountSid) || string.IsNullOrEmpty(account.AuthToken))
        {
            throw new InvalidOperationException("Twilio:AccountSid and Twilio:AuthToken are required by the REST client.");
        }

        if (!Uri.TryCreate(account.ApiBaseUrl, UriKind.Absolute, out var baseUrl))
        {
            throw new InvalidOperationException("Twilio:ApiBaseUrl must be an absolute URL.");
        }

        _http = http;
        _options = options.Value;
        _limiter = limiter ?? throw new ArgumentNullException(nameof(limiter));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{account.AccountSid}:{account.AuthToken}")));
        _apiBase = baseUrl.GetLeftPart(UriPartial.Authority) + baseUrl.AbsolutePath.TrimEnd('/');
        _accountPath = $"/2010-04-01/Accounts/{Uri.EscapeDataString(account.AccountSid)}";
    }

    public async Task<CallResource> CreateCallAsync(CreateCallOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var request = new TwilioRequest(HttpMethod.Post, _accountPath + "/Calls.json", "Calls", options.ToForm())
        {
            CallCreate = options,
        };
        var call = await SendAsync(request, CallResource.FromJson, cancellationToken).ConfigureAwait(false);
        LogCallCreated(call.Sid, TwilioRedaction.Phone(options.To), call.Status);
        return call;
    }

    public async Task<CallResource> UpdateCallAsync(string callSid, UpdateCallOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(callSid);
        ArgumentNullException.ThrowIfNull(options);
        var resource = $"Calls/{Uri.EscapeDataString(callSid)}.json";
        var request = new TwilioRequest(HttpMethod.Post, $"{_accountPath}/{resource}", resource, options.ToForm());
        return await SendAsync(request, CallResource.FromJson, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CallResource?> FetchCallAsync(string callSid, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(callSid);
        var resource = $"Calls/{Uri.EscapeDataString(callSid)}.json";
        try
        {
            return await SendAsync(new TwilioRequest(HttpMethod.Get, $"{_accountPath}/{resource}", resource, null),
                CallResource.FromJson, cancellationToken).ConfigureAwait(false);
        }
        catch (TwilioApiException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<CallResource>> ListCallsAsync(ListCallsOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var calls = new List<CallResource>();
        string? path = $"{_accountPath}/Calls.json?{options.ToQuery()}";
        while (path is not null && (options.Limit is null || calls.Count < options.Limit))
        {
            var page = await SendAsync(new TwilioRequest(HttpMethod.Get, path, "Calls", null), ReadPage, cancellationToken)
                .ConfigureAwait(false);
            calls.AddRange(page.Calls);
            // Only follow pages of this account's call list, and stop on an empty page.
            path = page.Calls.Count > 0 && page.Next?.StartsWith(_accountPath + "/Calls.json?", StringComparison.Ordinal) == true
                ? page.Next : null;
        }

        return options.Limit is { } limit && calls.Count > limit ? calls.GetRange(0, limit) : calls;
    }

    public async Task<MessageResource> CreateMessageAsync(CreateMessageOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var request = new TwilioRequest(HttpMethod.Post, _accountPath + "/Messages.json", "Messages", options.ToForm())
        {
            MessageCreate = options,
        };
        var message = await SendAsync(request, MessageResource.FromJson, cancellationToken).ConfigureAwait(false);
        LogMessageCreated(message.Sid, TwilioRedaction.Phone(options.To));
        return message;
    }

    private static (List<CallResource> Calls, string? Next) ReadPage(JsonElement json) =>
        (json.TryGetProperty("calls", out var calls) && calls.ValueKind == JsonValueKind.Array
            ? calls.EnumerateArray().Select(CallResource.FromJson).ToList()
            : [], json.Text("next_page_uri"));

    [LoggerMessage(Level = LogLevel.Information, Message = "Twilio created call {CallSid} to {To} ({Status})")]
    private partial void LogCallCreated(string callSid, string to, string? status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Twilio accepted message {MessageSid} to {To}")]
    private partial void LogMessageCreated(string messageSid, string to);
}

/// <summary>Phone numbers never reach the logs whole: <c>+17038803095</c> becomes <c>+1*******095</c>.</summary>
internal static class TwilioRedaction
{
    public static string Phone(string? number) => number switch
    {
        null or "" => "(none)",
        { Length: <= 5 } => new string('*', number.Length),
        _ => number[..2] + new string('*', number.Length - 5) + number[^3..],
    };
}
