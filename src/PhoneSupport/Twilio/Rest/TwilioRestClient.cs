using Microsoft.Extensions.Options;
using Api = global::Twilio.Rest.Api.V2010.Account;
using LibraryClient = global::Twilio.Clients.TwilioRestClient;

namespace PhoneSupport.Twilio.Rest;

/// <summary>
/// <see cref="ITwilioRestClient"/> over the official library: twilio-csharp's <see cref="LibraryClient"/> (always passed as
/// <c>client:</c>, never the static <c>TwilioClient</c>) writes the form bodies, Basic auth and paths and reads Twilio's JSON
/// and errors; its <see cref="global::Twilio.Http.SystemNetHttpClient"/> sends over the typed <see cref="HttpClient"/>, whose
/// <see cref="TwilioWireHandler"/> sends to <c>Twilio:ApiBaseUrl</c>. Around it stays what the library has no notion of:
/// pacing creates (<see cref="CallsPerSecondLimiter"/>), a per-attempt timeout and cancellation (carried to the handler by
/// <see cref="TwilioAttempt"/>), retries with jittered backoff on the injected <see cref="TimeProvider"/>, and the create rule
/// (see <see cref="ITwilioRestClient.CreateCallAsync"/>). Logs never carry the auth token, and phone numbers only redacted.
/// </summary>
public sealed partial class TwilioRestClient : ITwilioRestClient
{
    private readonly LibraryClient _library;
    private readonly TwilioRestOptions _options;
    private readonly CallsPerSecondLimiter _limiter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

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

        if (!Uri.TryCreate(account.ApiBaseUrl, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException("Twilio:ApiBaseUrl must be an absolute URL.");
        }

        _options = options.Value;
        _limiter = limiter ?? throw new ArgumentNullException(nameof(limiter));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        // http carries a TwilioWireHandler to ApiBaseUrl (AddTwilioRestClient); its Timeout is infinite, since each attempt's
        // timeout runs on the TimeProvider (TwilioAttempt).
        _library = new LibraryClient(account.AccountSid, account.AuthToken, account.AccountSid,
            httpClient: new global::Twilio.Http.SystemNetHttpClient(http));
    }

    public async Task<CallResource> CreateCallAsync(CreateCallOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var create = options.ToLibrary();
        var call = await SendAsync(new TwilioRequest("POST", "Calls") { CallCreate = options },
            async () => CallResource.Of(await Api.CallResource.CreateAsync(create, client: _library).ConfigureAwait(false)),
            cancellationToken).ConfigureAwait(false);
        LogCallCreated(call.Sid, TwilioRedaction.Phone(options.To), call.Status);
        return call;
    }

    public async Task<CallResource> UpdateCallAsync(string callSid, UpdateCallOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(callSid);
        ArgumentNullException.ThrowIfNull(options);
        var update = options.ToLibrary(callSid);
        return await SendAsync(new TwilioRequest("POST", $"Calls/{callSid}"),
            async () => CallResource.Of(await Api.CallResource.UpdateAsync(update, client: _library).ConfigureAwait(false)),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<CallResource?> FetchCallAsync(string callSid, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(callSid);
        var fetch = new Api.FetchCallOptions(callSid);
        try
        {
            return await SendAsync(new TwilioRequest("GET", $"Calls/{callSid}"),
                async () => CallResource.Of(await Api.CallResource.FetchAsync(fetch, client: _library).ConfigureAwait(false)),
                cancellationToken).ConfigureAwait(false);
        }
        catch (TwilioApiException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<CallResource>> ListCallsAsync(ListCallsOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var read = options.ToLibrary();
        return await SendAsync<IReadOnlyList<CallResource>>(new TwilioRequest("GET", "Calls"), async () =>
        {
            // The library reads the first page asynchronously and the next ones (next_page_uri) as it is enumerated, still
            // under this attempt's token; it may yield one record beyond Limit, hence the Take.
            var pages = await Api.CallResource.ReadAsync(read, client: _library).ConfigureAwait(false);
            return pages.Take(options.Limit ?? int.MaxValue).Select(CallResource.Of).ToList();
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<MessageResource> CreateMessageAsync(CreateMessageOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var create = options.ToLibrary();
        var message = await SendAsync(new TwilioRequest("POST", "Messages") { MessageCreate = options },
            async () => MessageResource.Of(await Api.MessageResource.CreateAsync(create, client: _library).ConfigureAwait(false)),
            cancellationToken).ConfigureAwait(false);
        LogMessageCreated(message.Sid, TwilioRedaction.Phone(options.To));
        return message;
    }

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
