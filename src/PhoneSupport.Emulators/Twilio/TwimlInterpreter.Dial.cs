using System.Xml.Linq;

namespace PhoneSupport.Emulators.Twilio;

/// <summary><c>&lt;Dial&gt;</c>: child legs, whispers answered by the technician script, child status callbacks.</summary>
internal sealed partial class TwimlInterpreter
{
    private static readonly string[] EndpointNouns = ["Number", "Client", "Sip"];

    private sealed record DialTarget(XElement? Noun, string Address);

    private sealed record DialOutcome(string Status, string ChildSid, TimeSpan Talk, bool Bridged)
    {
        /// <summary>The caller's leg was redirected through the REST API while bridged (a transfer).</summary>
        public CallRedirect? Redirect { get; init; }
    }

    private async Task<VerbResult> DialAsync(XElement dial, TwimlDocument document, CancellationToken ct)
    {
        var nouns = dial.Elements().ToList();
        if (nouns.FirstOrDefault(n => !EndpointNouns.Contains(n.Name.LocalName)) is { } other)
        {
            throw Unsupported(CallerLeg(), document, $"<Dial><{other.Name.LocalName}> (the emulator dials Number, Client and Sip)");
        }

        var targets = nouns.Count > 0
            ? nouns.Select(n => new DialTarget(n, n.Text())).ToList()
            : [new DialTarget(null, dial.Text())];
        if (targets.Any(t => t.Address.Length == 0))
        {
            throw Unsupported(CallerLeg(), document, "<Dial> without a number");
        }

        var callerId = dial.Attr("callerId") ?? session.Options.From;
        var timeout = TimeSpan.FromSeconds(Math.Max(1, dial.IntAttr("timeout") ?? 30));
        var timeLimit = TimeSpan.FromSeconds(Math.Max(1, dial.IntAttr("timeLimit") ?? 14400));
        DialOutcome? outcome = null;
        foreach (var target in targets)
        {
            outcome = await AttemptAsync(target, document, callerId, timeout, timeLimit, ct);
            if (outcome.Bridged)
            {
                break;
            }
        }

        var result = outcome!;
        var extra = new List<(string, string)>
        {
            ("DialCallStatus", result.Status),
            ("DialCallSid", result.ChildSid),
            ("DialCallDuration", Twiml.Seconds(result.Talk)),
            ("DialBridged", result.Bridged ? "true" : "false"),
        };
        if (result.Bridged && (dial.Attr("record") ?? "do-not-record") != "do-not-record")
        {
            var recordingSid = Twiml.NewSid("RE");
            extra.Add(("RecordingUrl", RecordingUrl(recordingSid)));
            extra.Add(("RecordingSid", recordingSid));
            extra.Add(("RecordingDuration", Twiml.Seconds(result.Talk)));
        }

        var action = document.Resolve(dial.Attr("action"));
        if (result.Redirect is { } redirect)
        {
            // Twilio still requests the <Dial action> when the parent call is modified, and ignores the TwiML it gets back;
            // the call goes on with the redirect's TwiML.
            if (action is not null)
            {
                await session.NotifyAsync(action, dial.Method(), session.CallParams("in-progress").With([.. extra]), CallLeg.Caller, ct);
            }

            session.Add(new TranscriptEntry(TranscriptKind.Redirected, redirect.Url, session.Elapsed) { Leg = CallLeg.Caller, Url = redirect.Url });
            return new VerbResult(await session.FetchAsync(redirect.Url, redirect.Method, session.CallParams("in-progress"), CallLeg.Caller, ct));
        }

        if (action is null)
        {
            return VerbResult.Continue;
        }

        var parameters = session.CallParams("in-progress").With([.. extra]);
        return new VerbResult(await session.FetchAsync(action, dial.Method(), parameters, CallLeg.Caller, ct));
    }

    private async Task<DialOutcome> AttemptAsync(
        DialTarget target, TwimlDocument document, string callerId, TimeSpan timeout, TimeSpan timeLimit, CancellationToken ct)
    {
        var technician = session.Options.Technician;
        var answer = technician.NextAttempt(target.Address);
        var childSid = Twiml.NewSid("CA");
        List<KeyValuePair<string, string>> childParams =
        [
            new("CallSid", childSid),
            new("AccountSid", session.Options.AccountSid),
            new("From", callerId),
            new("To", target.Address),
            new("CallStatus", "queued"),
            new("Direction", "outbound-dial"),
            new("ApiVersion", "2010-04-01"),
            new("Caller", callerId),
            new("Called", target.Address),
            new("ParentCallSid", session.CallSid),
        ];
        var whisperUrl = document.Resolve(target.Noun?.Attr("url"));
        session.Add(new TranscriptEntry(TranscriptKind.Dialing,
            $"Dialing {target.Address}" + (whisperUrl is null ? "" : " (with whisper)"), session.Elapsed) { Url = whisperUrl });

        var callbacks = new ChildCallbacks(session, target.Noun, document, childParams);
        await callbacks.SendAsync("initiated", "initiated", ct);
        if (answer.Behavior == TechnicianBehavior.Busy)
        {
            session.Advance(TimeSpan.FromSeconds(2));
            return await EndAttemptAsync(callbacks, "busy", $"{target.Address} is busy.", childSid, TimeSpan.Zero, null, ct);
        }

        await callbacks.SendAsync("ringing", "ringing", ct);
        if (answer.Behavior == TechnicianBehavior.NoAnswer || technician.RingTime >= timeout)
        {
            session.Advance(timeout);
            return await EndAttemptAsync(callbacks, "no-answer",
                $"{target.Address} did not answer within {timeout.TotalSeconds:0} s.", childSid, TimeSpan.Zero, null, ct);
        }

        session.Advance(technician.RingTime);
        var answeredAt = session.Elapsed;
        await callbacks.SendAsync("answered", "in-progress", ct);

        var bridged = answer.Behavior == TechnicianBehavior.Accept;
        if (whisperUrl is not null)
        {
            var leg = new LegContext(CallLeg.Technician, LegMode.Whisper, childParams,
                (prompt, _) => ValueTask.FromResult(technician.AnswerWhisper(answer, prompt)));
            try
            {
                var whisper = await session.FetchAsync(
                    whisperUrl, target.Noun!.Method(), childParams.With(("CallStatus", "in-progress")), CallLeg.Technician, ct);
                var end = await RunAsync(whisper, leg, ct);
                bridged &= end.Kind == LegEndKind.RanOut;
            }
            catch (CallAbortedException ex) when (ex.Outcome == CallOutcome.ApplicationError)
            {
                return await EndAttemptAsync(callbacks, "failed",
                    $"The whisper for {target.Address} failed: {ex.Message}", childSid, TimeSpan.Zero, answeredAt, ct);
            }
        }

        if (!bridged)
        {
            return await EndAttemptAsync(callbacks, "no-answer",
                $"{target.Address} declined the call.", childSid, TimeSpan.Zero, answeredAt, ct);
        }

        var talk = answer.TalkTime < timeLimit ? answer.TalkTime : timeLimit;
        if (answer.Transfer is { } transfer && session.Options.Desk is { } desk && session.Options.Redirects is { } redirects)
        {
            var before = transfer.After < talk ? transfer.After : talk;
            session.Add(TranscriptKind.Bridged, $"Connected to {target.Address}; talked {before:hh\\:mm\\:ss}, then transferred ({transfer.Mode}) to {transfer.Target}.");
            session.Advance(before);
            await desk(new DeskTransfer(session.CallSid, transfer), ct);
            if (await redirects(session.CallSid, ct) is { } redirect)
            {
                // The REST redirect takes the caller out of this <Dial>: Twilio hangs up the dialled leg.
                var ended = await EndAttemptAsync(callbacks, "completed", $"{target.Address} left the call (transferred).", childSid, before, answeredAt, ct);
                return ended with { Redirect = redirect };
            }

            session.Add(TranscriptKind.DialEnded, "The transfer was refused; the technician keeps the caller.");
            talk -= before;
        }

        session.Add(TranscriptKind.Bridged, $"Connected to {target.Address}; talked {talk:hh\\:mm\\:ss}.");
        session.Advance(talk);
        return await EndAttemptAsync(callbacks, "completed", null, childSid, talk, answeredAt, ct);
    }

    /// <summary>
    /// Ends a dial attempt. A leg that was answered but not bridged (declined at the whisper) completes on its
    /// own side, while the parent's <c>&lt;Dial action&gt;</c> sees <paramref name="dialStatus"/>.
    /// </summary>
    private async Task<DialOutcome> EndAttemptAsync(
        ChildCallbacks callbacks, string dialStatus, string? note, string childSid, TimeSpan talk, TimeSpan? answeredAt,
        CancellationToken ct)
    {
        if (note is not null)
        {
            session.Add(TranscriptKind.DialEnded, note);
        }

        var childStatus = answeredAt is null ? dialStatus : dialStatus == "failed" ? "failed" : "completed";
        var duration = answeredAt is { } start ? session.Elapsed - start : TimeSpan.Zero;
        await callbacks.SendAsync("completed", childStatus, ct,
            ("CallDuration", Twiml.Seconds(duration)),
            ("Duration", ((long)Math.Ceiling(duration.TotalMinutes)).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return new DialOutcome(dialStatus, childSid, talk, dialStatus == "completed");
    }

    private string RecordingUrl(string recordingSid) =>
        $"https://api.twilio.com/2010-04-01/Accounts/{session.Options.AccountSid}/Recordings/{recordingSid}";

    private static LegContext CallerLeg() =>
        new(CallLeg.Caller, LegMode.Call, [], (_, _) => ValueTask.FromResult(CallerInput.Silence));

    /// <summary>The <c>statusCallback</c> of a dialled noun, sent for the events it asks for.</summary>
    private sealed class ChildCallbacks(
        CallSession session, XElement? noun, TwimlDocument document, IReadOnlyList<KeyValuePair<string, string>> childParams)
    {
        private readonly string? _url = document.Resolve(noun?.Attr("statusCallback"));
        private readonly HashSet<string> _events = (noun?.Attr("statusCallbackEvent") ?? "completed")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        private int _sequence;

        public async Task SendAsync(string callbackEvent, string callStatus, CancellationToken ct, params (string, string)[] extra)
        {
            if (_url is null || !_events.Contains(callbackEvent))
            {
                return;
            }

            var parameters = childParams.With(
            [
                ("CallStatus", callStatus),
                ("CallbackSource", "call-progress-events"),
                ("SequenceNumber", (_sequence++).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("Timestamp", session.Timestamp),
                .. extra,
            ]);
            await session.NotifyAsync(_url, noun!.Method("statusCallbackMethod"), parameters, CallLeg.Technician, ct);
        }
    }
}
