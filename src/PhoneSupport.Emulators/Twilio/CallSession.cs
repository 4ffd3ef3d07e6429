using System.Net.Http.Headers;
using System.Xml;
using System.Xml.Linq;

namespace PhoneSupport.Emulators.Twilio;

/// <summary>Thrown inside the driver when a call cannot go on: an application error or the loop guard.</summary>
internal sealed class CallAbortedException(CallOutcome outcome, string message) : Exception(message)
{
    public CallOutcome Outcome { get; } = outcome;
}

/// <summary>The state of one emulated call: simulated clock, transcript, signed HTTP requests.</summary>
internal sealed class CallSession(HttpClient http, CallDriverOptions options)
{
    private const int MaxTwimlBytes = 64 * 1024;
    private static readonly string[] TwimlMediaTypes = ["text/xml", "application/xml", "text/html"];

    private readonly TwilioSigner _signer = new(options.AuthToken);
    private readonly List<TranscriptEntry> _transcript = [];

    public CallDriverOptions Options { get; } = options;

    public string CallSid { get; } = options.CallSid ?? Twiml.NewSid("CA");

    public TimeSpan Elapsed { get; private set; }

    public int Requests { get; private set; }

    public IReadOnlyList<TranscriptEntry> Transcript => _transcript;

    public string Timestamp => Twiml.Rfc2822(Options.StartTime + Elapsed);

    public void Advance(TimeSpan time)
    {
        if (time > TimeSpan.Zero)
        {
            Elapsed += time;
        }
    }

    public TranscriptEntry Add(TranscriptKind kind, string text, CallLeg leg = CallLeg.Caller) =>
        Add(new TranscriptEntry(kind, text, Elapsed) { Leg = leg });

    public TranscriptEntry Add(TranscriptEntry entry)
    {
        _transcript.Add(entry);
        Options.OnEntry?.Invoke(entry);
        return entry;
    }

    /// <summary>The parameters Twilio sends on every request about the caller's leg.</summary>
    public List<KeyValuePair<string, string>> CallParams(string callStatus) =>
    [
        new("CallSid", CallSid),
        new("AccountSid", Options.AccountSid),
        new("From", Options.From),
        new("To", Options.To),
        new("CallStatus", callStatus),
        new("Direction", Options.Direction),
        new("ApiVersion", "2010-04-01"),
        new("Caller", Options.From),
        new("Called", Options.To),
    ];

    /// <summary>Requests TwiML. Counts against the loop guard; any failure is an application error.</summary>
    public async Task<TwimlDocument> FetchAsync(
        string url, string method, IReadOnlyList<KeyValuePair<string, string>> parameters, CallLeg leg,
        CancellationToken cancellationToken)
    {
        if (Requests >= Options.MaxRequests)
        {
            var message = $"Stopped after {Options.MaxRequests} TwiML requests: the call looks like a loop "
                + $"(next request would have been {method} {url}).";
            Add(new TranscriptEntry(TranscriptKind.StepLimitExceeded, message, Elapsed) { Leg = leg, Url = url });
            throw new CallAbortedException(CallOutcome.StepLimitExceeded, message);
        }

        Requests++;
        var (status, mediaType, body, failure) = await SendAsync(url, method, parameters, leg, cancellationToken);
        if (failure is not null)
        {
            throw ApplicationError(leg, url, $"{method} {url} failed: {failure}");
        }

        if (status is < 200 or > 299)
        {
            throw ApplicationError(leg, url, $"{method} {url} answered HTTP {status} (Twilio error 11200).");
        }

        if (mediaType is null || !TwimlMediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase))
        {
            throw ApplicationError(leg, url,
                $"{method} {url} answered Content-Type '{mediaType ?? "(none)"}', not TwiML (Twilio error 12300).");
        }

        if (System.Text.Encoding.UTF8.GetByteCount(body) > MaxTwimlBytes)
        {
            throw ApplicationError(leg, url, $"{method} {url} answered more than 64 kB of TwiML (Twilio error 11750).");
        }

        try
        {
            var root = XDocument.Parse(body).Root;
            if (root is null || root.Name != "Response")
            {
                throw ApplicationError(leg, url,
                    $"{method} {url} answered <{root?.Name}> instead of a <Response> document (Twilio error 12100).");
            }

            return new TwimlDocument(url, root);
        }
        catch (XmlException ex)
        {
            throw ApplicationError(leg, url, $"{method} {url} answered invalid XML: {ex.Message} (Twilio error 12100).");
        }
    }

    /// <summary>A request whose answer is ignored (status callbacks, actions after the caller hung up).</summary>
    public async Task NotifyAsync(
        string url, string method, IReadOnlyList<KeyValuePair<string, string>> parameters, CallLeg leg,
        CancellationToken cancellationToken) =>
        await SendAsync(url, method, parameters, leg, cancellationToken);

    private CallAbortedException ApplicationError(CallLeg leg, string url, string detail)
    {
        // Twilio reads its application-error message to the party, then hangs up that leg.
        var message = detail + " The caller hears \"We are sorry, an application error has occurred. Goodbye.\"";
        Add(new TranscriptEntry(TranscriptKind.ApplicationError, message, Elapsed) { Leg = leg, Url = url });
        Advance(TimeSpan.FromSeconds(4));
        return new CallAbortedException(CallOutcome.ApplicationError, detail);
    }

    private async Task<(int? Status, string? MediaType, string Body, string? Failure)> SendAsync(
        string url, string method, IReadOnlyList<KeyValuePair<string, string>> parameters, CallLeg leg,
        CancellationToken cancellationToken)
    {
        using var request = BuildRequest(url, method, parameters);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var status = (int)response.StatusCode;
            Options.OnWebhook?.Invoke(new WebhookExchange(url, method, leg, status, System.Diagnostics.Stopwatch.GetElapsedTime(started), body, response.Headers, null));
            Add(new TranscriptEntry(TranscriptKind.Webhook, $"{method} {url} → {status}", Elapsed)
            {
                Leg = leg, Url = url, HttpStatus = status,
            });
            return (status, response.Content.Headers.ContentType?.MediaType, body, null);
        }
        catch (Exception ex) when (ex is HttpRequestException
            || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var failure = ex is TaskCanceledException ? "no answer within the HTTP timeout (Twilio error 11205)" : ex.Message;
            Options.OnWebhook?.Invoke(new WebhookExchange(url, method, leg, null, System.Diagnostics.Stopwatch.GetElapsedTime(started), "", null, failure));
            Add(new TranscriptEntry(TranscriptKind.Webhook, $"{method} {url} → {failure}", Elapsed) { Leg = leg, Url = url });
            return (null, null, "", failure);
        }
    }

    private HttpRequestMessage BuildRequest(string url, string method, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        HttpRequestMessage request;
        string signature;
        if (method == "GET")
        {
            var full = Twiml.AppendQuery(url, parameters);
            request = new HttpRequestMessage(HttpMethod.Get, full);
            signature = _signer.Sign(full);
        }
        else
        {
            request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(parameters) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
            signature = _signer.Sign(url, parameters.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)));
        }

        request.Headers.TryAddWithoutValidation(TwilioSigner.HeaderName, signature);
        request.Headers.TryAddWithoutValidation("I-Twilio-Idempotency-Token", Guid.NewGuid().ToString());
        request.Headers.UserAgent.ParseAdd("TwilioProxy/1.1");
        request.Headers.Accept.ParseAdd("*/*");
        return request;
    }
}
