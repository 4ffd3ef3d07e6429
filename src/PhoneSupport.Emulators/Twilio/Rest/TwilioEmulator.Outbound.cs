using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace PhoneSupport.Emulators.Twilio.Rest;

/// <summary>
/// Plays Twilio's part of a created call with the <see cref="CallDriver"/> machinery: status callbacks for the asked
/// events, the called party picking up (or not), the <c>Url</c> requested signed with <c>Direction=outbound-api</c> and
/// <c>CallStatus=in-progress</c>, and the TwiML followed — gathers answered by the number's <see cref="CalledParty"/>,
/// dialled numbers answered by theirs — in simulated time.
/// </summary>
public sealed partial class TwilioEmulator
{
    private readonly Dictionary<string, Task<CallResult>> _runs = new(StringComparer.Ordinal);
    private HttpClient? _webhookClient;

    private HttpClient _webhooks => _webhookClient ??= new(_options.WebhookHandler?.Invoke() ?? new SocketsHttpHandler { AllowAutoRedirect = false });

    /// <summary>
    /// Plays the created call <paramref name="callSid"/> to its end (once: later calls get the same result). A call
    /// already ended by an update only posts its <c>completed</c> status callback.
    /// </summary>
    public Task<CallResult> RunCallAsync(string callSid, CancellationToken cancellationToken = default)
    {
        Task<CallResult> run;
        lock (_gate)
        {
            var call = _calls.FirstOrDefault(c => c.Sid == callSid)
                ?? throw new InvalidOperationException($"The emulator has no call {callSid}.");
            if (call.Direction != "outbound-api")
            {
                throw new InvalidOperationException($"{callSid} is a tracked {call.Direction} call; only created calls can be run.");
            }

            if (!_runs.TryGetValue(callSid, out run!))
            {
                run = Task.Run(() => DriveAsync(call, _stopping.Token), CancellationToken.None);
                _runs[callSid] = run;
            }
        }

        return run.WaitAsync(cancellationToken);
    }

    private async Task<CallResult> DriveAsync(EmulatedCall call, CancellationToken ct)
    {
        string? url, twiml, endedAs;
        string method, callbackMethod;
        string? callbackUrl;
        IReadOnlyList<string> events;
        lock (_gate)
        {
            (url, twiml, method, callbackUrl, callbackMethod, events) =
                (call.Url, call.Twiml, call.Method, call.StatusCallback, call.StatusCallbackMethod, call.StatusCallbackEvents);
            endedAs = call.IsOver ? call.Status : null;
        }

        var party = _phones.GetValueOrDefault(call.To, _options.DefaultParty);
        var options = new CallDriverOptions
        {
            VoiceUrl = url ?? $"{BaseUrl}/twiml/{call.Sid}", AuthToken = _options.AuthToken, AccountSid = call.AccountSid,
            From = call.From, To = call.To, Caller = party.Script(), CallSid = call.Sid, Direction = "outbound-api",
            StartTime = _time.GetUtcNow(), MaxRequests = _options.MaxRequestsPerCall,
            Technician = new TechnicianScript(_options.DefaultParty.AsDialAnswer())
            {
                ByNumber = _phones.ToDictionary(p => p.Key, p => p.Value.AsDialAnswer()), RingTime = _options.DefaultParty.RingTime,
            },
        };
        var session = new CallSession(_webhooks, options);
        var callbacks = new Callbacks(session, callbackUrl, callbackMethod, events);
        if (endedAs is not null)
        {
            return await FinishAsync(call, session, callbacks, endedAs, null, CallOutcome.Completed, null, ct);
        }

        await callbacks.SendAsync("initiated", "initiated", ct);
        SetStatus(call, "ringing", null);
        await callbacks.SendAsync("ringing", "ringing", ct);
        if (party.PickUp != PickUp.Answers)
        {
            var busy = party.PickUp == PickUp.Busy;
            session.Advance(busy ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(call.Timeout));
            session.Add(TranscriptKind.DialEnded, busy ? $"{call.To} is busy." : $"{call.To} did not answer within {call.Timeout} s.");
            return await FinishAsync(call, session, callbacks, busy ? "busy" : "no-answer", null, CallOutcome.Completed, null, ct);
        }

        session.Advance(party.RingTime);
        var answeredAt = session.Elapsed;
        SetStatus(call, "in-progress", options.StartTime + answeredAt);
        await callbacks.SendAsync("answered", "in-progress", ct);
        var (outcome, error) = (CallOutcome.Completed, (string?)null);
        try
        {
            var first = url is not null
                ? await session.FetchAsync(url, method, session.CallParams("in-progress"), CallLeg.Caller, ct)
                : Inline(session, options.VoiceUrl, twiml ?? "");
            var leg = new LegContext(CallLeg.Caller, LegMode.Call, session.CallParams("in-progress"),
                (prompt, token) => options.Caller.AnswerGatherAsync(prompt, token));
            if ((await new TwimlInterpreter(session).RunAsync(first, leg, ct)).Kind == LegEndKind.RanOut)
            {
                session.Add(TranscriptKind.HungUp, "No more TwiML: Twilio ends the call.");
            }
        }
        catch (CallAbortedException ex)
        {
            (outcome, error) = (ex.Outcome, ex.Message);
        }

        return await FinishAsync(call, session, callbacks, "completed", answeredAt, outcome, error, ct);
    }

    private async Task<CallResult> FinishAsync(
        EmulatedCall call, CallSession session, Callbacks callbacks, string status, TimeSpan? answeredAt, CallOutcome outcome,
        string? error, CancellationToken ct)
    {
        var talked = answeredAt is { } start ? session.Elapsed - start : TimeSpan.Zero;
        lock (_gate)
        {
            if (!call.IsOver)
            {
                (call.Status, call.EndTime) = (status, session.Options.StartTime + session.Elapsed);
                call.Duration = (int)Math.Round(talked.TotalSeconds, MidpointRounding.AwayFromZero);
                call.DateUpdated = _time.GetUtcNow();
            }

            status = call.Status;
        }

        await callbacks.SendAsync("completed", status, ct,
            ("CallDuration", Twiml.Seconds(talked)),
            ("Duration", ((long)Math.Ceiling(talked.TotalMinutes)).ToString(CultureInfo.InvariantCulture)));
        var result = new CallResult(call.Sid, outcome, status, session.Elapsed, session.Requests, session.Transcript.ToList(), error);
        lock (_gate)
        {
            call.Result = result;
        }

        return result;
    }

    private void SetStatus(EmulatedCall call, string status, DateTimeOffset? startTime)
    {
        lock (_gate)
        {
            if (!call.IsOver)
            {
                (call.Status, call.DateUpdated) = (status, _time.GetUtcNow());
                call.StartTime = startTime ?? call.StartTime;
            }
        }
    }

    /// <summary>A call created with <c>Twiml</c>: the document runs as if fetched from the emulator's own URL.</summary>
    private static TwimlDocument Inline(CallSession session, string baseUrl, string twiml)
    {
        try
        {
            if (XDocument.Parse(twiml).Root is { } root && root.Name == "Response")
            {
                return new TwimlDocument(baseUrl, root);
            }
        }
        catch (XmlException)
        {
            // Reported below like any unusable document.
        }

        const string message = "The call's Twiml parameter is not a <Response> document (Twilio error 12100).";
        session.Add(new TranscriptEntry(TranscriptKind.ApplicationError, message, session.Elapsed));
        throw new CallAbortedException(CallOutcome.ApplicationError, message);
    }

    /// <summary>The call's <c>StatusCallback</c>: the asked events only, numbered by <c>SequenceNumber</c>, signed.</summary>
    private sealed class Callbacks(CallSession session, string? url, string method, IReadOnlyList<string> events)
    {
        private int _sequence;

        public async Task SendAsync(string callbackEvent, string callStatus, CancellationToken ct, params (string, string)[] extra)
        {
            if (url is null || !events.Contains(callbackEvent, StringComparer.OrdinalIgnoreCase))
            {
                return;
            }

            var parameters = session.CallParams(callStatus).With(
            [
                ("CallbackSource", "call-progress-events"),
                ("SequenceNumber", (_sequence++).ToString(CultureInfo.InvariantCulture)),
                ("Timestamp", session.Timestamp),
                .. extra,
            ]);
            await session.NotifyAsync(url, method, parameters, CallLeg.Caller, ct);
        }
    }
}
