using System.Globalization;
using System.Xml.Linq;

namespace PhoneSupport.Emulators.Twilio;

/// <summary><c>&lt;Enqueue&gt;</c> (wait URL rounds, <c>QueueResult</c>) and <c>&lt;Record&gt;</c>.</summary>
internal sealed partial class TwimlInterpreter
{
    private async Task<VerbResult> EnqueueAsync(XElement enqueue, TwimlDocument document, CancellationToken ct)
    {
        var name = enqueue.Text();
        var queueSid = Twiml.NewSid("QU");
        var waitUrl = document.Resolve(enqueue.Attr("waitUrl"));
        var waitMethod = waitUrl is null ? "GET" : enqueue.Method("waitUrlMethod");
        var enqueuedAt = session.Elapsed;
        session.Add(TranscriptKind.Queued, $"Waiting in queue '{name}'.");

        string? result = null;
        for (var round = 1; result is null; round++)
        {
            var roundStart = session.Elapsed;
            if (waitUrl is null)
            {
                session.Add(TranscriptKind.Played, "Twilio's hold music");
                session.Advance(TimeSpan.FromSeconds(60));
            }
            else
            {
                var parameters = session.CallParams("in-progress").With(
                    ("QueueSid", queueSid),
                    ("QueuePosition", "1"),
                    ("QueueTime", Twiml.Seconds(session.Elapsed - enqueuedAt)),
                    ("AvgQueueTime", "0"),
                    ("CurrentQueueSize", "1"),
                    ("MaxQueueSize", enqueue.Attr("maxQueueSize") ?? "1000"));
                var wait = await session.FetchAsync(waitUrl, waitMethod, parameters, CallLeg.Caller, ct);
                var leg = new LegContext(CallLeg.Caller, LegMode.QueueWait, session.CallParams("in-progress"), AnswerCallerAsync);
                var end = await RunAsync(wait, leg, ct);
                result = end.Kind switch
                {
                    LegEndKind.Left => "leave",
                    LegEndKind.HungUp => "hangup",
                    _ => null,
                };
                // An empty wait document still takes a moment before Twilio asks again.
                session.Advance(TimeSpan.FromSeconds(1) - (session.Elapsed - roundStart));
            }

            if (result is null
                && (round >= session.Options.MaxQueueRounds
                    || !await session.Options.Caller.StayInQueueAsync(new QueuePrompt(name, round, session.Elapsed - enqueuedAt), ct)))
            {
                session.Add(TranscriptKind.HungUp, "The caller hung up while on hold.");
                result = "hangup";
            }
        }

        var hungUp = result == "hangup";
        var action = document.Resolve(enqueue.Attr("action"));
        if (action is null)
        {
            return hungUp ? new VerbResult(End: new LegEnd(LegEndKind.CallerHungUp)) : VerbResult.Continue;
        }

        var actionParams = session.CallParams(hungUp ? "completed" : "in-progress").With(
            ("QueueResult", result!),
            ("QueueSid", queueSid),
            ("QueueTime", Twiml.Seconds(session.Elapsed - enqueuedAt)));
        if (hungUp)
        {
            // The call is over: Twilio still reports the result, and ignores the TwiML it gets back.
            await session.NotifyAsync(action, enqueue.Method(), actionParams, CallLeg.Caller, ct);
            return new VerbResult(End: new LegEnd(LegEndKind.CallerHungUp));
        }

        return new VerbResult(await session.FetchAsync(action, enqueue.Method(), actionParams, CallLeg.Caller, ct));
    }

    private async Task<VerbResult> RecordAsync(XElement record, TwimlDocument document, CancellationToken ct)
    {
        var action = document.Resolve(record.Attr("action")) ?? document.Url;
        var maxLength = TimeSpan.FromSeconds(Math.Max(1, record.IntAttr("maxLength") ?? 3600));
        var finishOnKey = record.Attr("finishOnKey") ?? "1234567890*#";
        var timeout = TimeSpan.FromSeconds(Math.Max(0, record.IntAttr("timeout") ?? 5));
        if (record.BoolAttr("playBeep", true))
        {
            session.Add(TranscriptKind.Played, "Beep");
        }

        var input = await session.Options.Caller.RecordAsync(new RecordPrompt((int)maxLength.TotalSeconds, finishOnKey), ct);
        var length = input.Length < maxLength ? input.Length : maxLength;
        if (length <= TimeSpan.Zero)
        {
            // An empty recording skips the action and carries on with the next verb.
            session.Add(TranscriptKind.Silence, "Nothing was recorded.");
            session.Advance(timeout);
            return input.HungUp ? new VerbResult(End: new LegEnd(LegEndKind.CallerHungUp)) : VerbResult.Continue;
        }

        session.Advance(length);
        var recordingSid = Twiml.NewSid("RE");
        session.Add(TranscriptKind.Recorded, $"The caller left a {length.TotalSeconds:0} s message.");
        var digits = input.HungUp ? "hangup"
            : finishOnKey.Contains('#', StringComparison.Ordinal) ? "#"
            : finishOnKey.Length > 0 ? finishOnKey[..1] : null;
        if (digits is null)
        {
            session.Advance(timeout);
        }

        var parameters = session.CallParams(input.HungUp ? "completed" : "in-progress").With(
            ("RecordingUrl", RecordingUrl(recordingSid)),
            ("RecordingSid", recordingSid),
            ("RecordingDuration", Twiml.Seconds(length)));
        if (digits is not null)
        {
            parameters = parameters.With(("Digits", digits));
        }

        if (input.HungUp)
        {
            session.Add(TranscriptKind.HungUp, "The caller hung up after recording.");
            await session.NotifyAsync(action, record.Method(), parameters, CallLeg.Caller, ct);
            await RecordingStatusAsync(record, document, recordingSid, length, ct);
            return new VerbResult(End: new LegEnd(LegEndKind.CallerHungUp));
        }

        var next = await session.FetchAsync(action, record.Method(), parameters, CallLeg.Caller, ct);
        await RecordingStatusAsync(record, document, recordingSid, length, ct);
        return new VerbResult(next);
    }

    /// <summary>
    /// <c>recordingStatusCallback</c>: once the recording is stored (here: right after the action request, as Twilio usually
    /// does), Twilio POSTs the recording's sid, URL, duration and <c>RecordingStatus=completed</c>, signed like every webhook.
    /// </summary>
    private async Task RecordingStatusAsync(XElement record, TwimlDocument document, string recordingSid, TimeSpan length, CancellationToken ct)
    {
        if (document.Resolve(record.Attr("recordingStatusCallback")) is not { } url) return;
        List<KeyValuePair<string, string>> parameters =
        [
            new("AccountSid", session.Options.AccountSid),
            new("CallSid", session.CallSid),
            new("RecordingSid", recordingSid),
            new("RecordingUrl", RecordingUrl(recordingSid)),
            new("RecordingStatus", "completed"),
            new("RecordingDuration", Twiml.Seconds(length)),
            new("RecordingChannels", "1"),
            new("RecordingSource", "RecordVerb"),
        ];
        await session.NotifyAsync(url, record.Method("recordingStatusCallbackMethod"), parameters, CallLeg.Caller, ct);
    }

    private ValueTask<CallerInput> AnswerCallerAsync(GatherPrompt prompt, CancellationToken ct) =>
        session.Options.Caller.AnswerGatherAsync(prompt, ct);
}
