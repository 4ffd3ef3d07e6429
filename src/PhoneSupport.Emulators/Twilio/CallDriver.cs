using System.Globalization;

namespace PhoneSupport.Emulators.Twilio;

/// <summary>
/// Plays Twilio's part of one inbound voice call against a service: signed form webhooks with Twilio's
/// parameter names, TwiML followed verb by verb (research/twilio.md §1–3), a caller script answering the
/// caller's gathers and a technician script answering dialled legs, all in simulated time.
/// </summary>
public sealed class CallDriver
{
    private readonly HttpClient _http;
    private readonly CallDriverOptions _options;

    public CallDriver(HttpClient http, CallDriverOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _http = http;
        _options = options;
    }

    /// <summary>Runs the call to its end. Application errors and loops end the call; they do not throw.</summary>
    public async Task<CallResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var session = new CallSession(_http, _options);
        var interpreter = new TwimlInterpreter(session);
        var outcome = CallOutcome.Completed;
        var finalStatus = "completed";
        string? error = null;
        try
        {
            var first = await session.FetchAsync(_options.VoiceUrl, "POST", session.CallParams("ringing"), CallLeg.Caller, cancellationToken);
            var leg = new LegContext(CallLeg.Caller, LegMode.Call, session.CallParams("in-progress"),
                (prompt, ct) => _options.Caller.AnswerGatherAsync(prompt, ct));
            var end = await interpreter.RunAsync(first, leg, cancellationToken);
            switch (end.Kind)
            {
                case LegEndKind.RanOut:
                    session.Add(TranscriptKind.HungUp, "No more TwiML: Twilio ends the call.");
                    break;
                case LegEndKind.Rejected:
                    outcome = CallOutcome.Rejected;
                    finalStatus = end.Detail == "busy" ? "busy" : "no-answer";
                    break;
            }
        }
        catch (CallAbortedException ex)
        {
            outcome = ex.Outcome;
            error = ex.Message;
        }

        if (_options.SendStatusCallback)
        {
            var duration = session.Elapsed;
            var parameters = session.CallParams(finalStatus).With(
                ("CallDuration", Twiml.Seconds(duration)),
                ("Duration", ((long)Math.Ceiling(duration.TotalMinutes)).ToString(CultureInfo.InvariantCulture)),
                ("CallbackSource", "call-progress-events"),
                ("SequenceNumber", "0"),
                ("Timestamp", session.Timestamp));
            await session.NotifyAsync(_options.EffectiveStatusCallbackUrl, "POST", parameters, CallLeg.Caller, cancellationToken);
        }

        return new CallResult(session.CallSid, outcome, finalStatus, session.Elapsed, session.Requests, session.Transcript.ToList(), error);
    }
}
