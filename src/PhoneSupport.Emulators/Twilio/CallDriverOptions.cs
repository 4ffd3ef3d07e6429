namespace PhoneSupport.Emulators.Twilio;

/// <summary>Everything <see cref="CallDriver"/> needs to play Twilio's side of one inbound call.</summary>
public sealed class CallDriverOptions
{
    /// <summary>The number's Voice URL, absolute, e.g. <c>http://127.0.0.1:5080/twilio/voice</c>.</summary>
    public required string VoiceUrl { get; init; }

    /// <summary>The number's status callback URL; null means <see cref="VoiceUrl"/> + <c>/status</c>.</summary>
    public string? StatusCallbackUrl { get; init; }

    /// <summary>False: no call status callback is posted when the call ends.</summary>
    public bool SendStatusCallback { get; init; } = true;

    /// <summary>The auth token that signs every request (<c>X-Twilio-Signature</c>).</summary>
    public required string AuthToken { get; init; }

    /// <summary><c>AC</c> + 32 hex digits.</summary>
    public string AccountSid { get; init; } = "AC" + new string('0', 32);

    /// <summary>The caller's number (E.164).</summary>
    public string From { get; init; } = "+15550100001";

    /// <summary>The number called (E.164).</summary>
    public string To { get; init; } = "+17038803095";

    /// <summary>The caller; by default one who stays silent.</summary>
    public ICallerScript Caller { get; init; } = new ScriptedCaller(Array.Empty<string>());

    /// <summary>The technicians reached by <c>&lt;Dial&gt;</c>; by default they accept and talk 10 minutes.</summary>
    public TechnicianScript Technician { get; init; } = new();

    /// <summary>Loop guard: the most TwiML requests one call may make (status callbacks not counted).</summary>
    public int MaxRequests { get; init; } = 200;

    /// <summary>The most times one <c>&lt;Enqueue&gt;</c> plays its wait URL before the caller gives up.</summary>
    public int MaxQueueRounds { get; init; } = 5;

    /// <summary>The wall-clock start of the simulated call (for <c>Timestamp</c>).</summary>
    public DateTimeOffset StartTime { get; init; } = TimeProvider.System.GetUtcNow();

    /// <summary>The caller's CallSid; null generates one.</summary>
    public string? CallSid { get; init; }

    /// <summary>
    /// The <c>Direction</c> parameter sent about the call's own leg: <c>inbound</c> for a call to the service's number,
    /// <c>outbound-api</c> for a call the REST emulator places.
    /// </summary>
    public string Direction { get; init; } = "inbound";

    /// <summary>
    /// The technician's desk: called when a scripted technician transfers the bridged call (<see cref="TechnicianAnswer.Transfer"/>);
    /// it asks the service (<c>POST /api/calls/{callSid}/transfer</c>) as the desk would.
    /// </summary>
    public Func<DeskTransfer, CancellationToken, Task>? Desk { get; init; }

    /// <summary>
    /// Twilio's REST side of this call: the redirect it took for the call since the last look, if any (the emulator's
    /// <see cref="Rest.TwilioEmulator.TakeRedirect"/>). A redirect during a bridged <c>&lt;Dial&gt;</c> ends the dialled leg,
    /// reports the dial's action (its TwiML ignored) and runs the new URL, as Twilio does.
    /// </summary>
    public Func<string, CancellationToken, Task<CallRedirect?>>? Redirects { get; init; }

    /// <summary>Called as each transcript entry is made (live display).</summary>
    public Action<TranscriptEntry>? OnEntry { get; init; }

    /// <summary>
    /// Called after every HTTP request the driver makes (webhooks and status callbacks) with its wall-clock
    /// latency and answer: the load harness measures with it.
    /// </summary>
    public Action<WebhookExchange>? OnWebhook { get; init; }

    internal string EffectiveStatusCallbackUrl => StatusCallbackUrl ?? VoiceUrl.TrimEnd('/') + "/status";

    internal void Validate()
    {
        if (!Uri.TryCreate(VoiceUrl, UriKind.Absolute, out var voice)
            || (voice.Scheme != Uri.UriSchemeHttp && voice.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The voice URL must be an absolute http(s) URL, not '{VoiceUrl}'.", nameof(VoiceUrl));
        }

        ArgumentException.ThrowIfNullOrEmpty(AuthToken);
        if (AccountSid.Length != 34 || !AccountSid.StartsWith("AC", StringComparison.Ordinal)
            || !AccountSid[2..].All(Uri.IsHexDigit))
        {
            throw new ArgumentException($"'{AccountSid}' is not an account SID (AC + 32 hex digits).", nameof(AccountSid));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequests, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueueRounds, 1);
    }
}

/// <summary>One HTTP request the driver made and its answer (<see cref="Status"/> null: no answer, see <see cref="Failure"/>).</summary>
public sealed record WebhookExchange(
    string Url, string Method, CallLeg Leg, int? Status, TimeSpan Latency, string Body,
    System.Net.Http.Headers.HttpResponseHeaders? Headers, string? Failure);
