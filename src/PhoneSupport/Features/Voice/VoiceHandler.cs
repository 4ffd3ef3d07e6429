using NodaTime;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Twilio;

namespace PhoneSupport.Features.Voice;

/// <summary>
/// The IVR's webhooks. Each takes one path (decision 017): read the call with the facts its step may need (planned from the
/// flow, the step the answer URL names and the input), take the pure step, save its state, log and effects in one batch,
/// render TwiML (<see cref="CallSteps"/>). A duplicate or late request (wrong sequence number, or a lost race with another
/// instance) re-renders the current question and changes nothing.
/// </summary>
public sealed class VoiceHandler(CallStartWriter starts, CallSteps steps, FlowCatalog flows, PolicyCatalog policies, TwimlRenderer renderer, IClock clock,
    ILogger<VoiceHandler> logger)
{
    public const string NotInService = "Sorry, this number is not in service. Goodbye.";

    public async Task<IResult> IncomingAsync(VoiceRequest request, CancellationToken ct, Hardening.PendingRateLimitHit? limit = null)
    {
        if (request.CallSid is not { } callSid || request.To is not { } to)
            return TwimlRenderer.Apology(NotInService).ToResult();
        var flow = flows.ForNumber(to);
        if (flow is null)
        {
            logger.LogWarning("Call {CallSid} to {To}, a number no flow answers: apologised and hung up", callSid, PhoneRedaction.Redact(to));
            return TwimlRenderer.Apology(NotInService).ToResult();
        }
        var session = CallSession.Start(callSid, flow.Id, flow.Provider, request.From ?? "", to, flow.Start, flow.DefaultLanguage);
        var now = clock.GetCurrentInstant();
        var webhook = CallStatusHandler.Webhook("incoming", request);
        // The common first step (a menu: nothing to read, nothing to change) needs only the policy, in memory: no look-up first,
        // and the call is inserted in one statement; a repeated incoming webhook (Twilio's retry, or the call already started on
        // another instance) finds the call's primary key taken and is answered like the first.
        var facts = new Facts(now, now, [.. Enumerable.Range(0, Facts.IdsPerStep).Select(_ => Guid.CreateVersion7())]);
        if (policies.For(flow.Provider) is { } policy) facts.With(new FactRequest.CallPolicy(flow.Provider), CallPolicyFact.Of(policy));
        if (IvrEngine.Step(flow, session, new CallerInput.CallStarted(), facts) is StepResult.Advanced { Effects.Length: 0 } advanced)
        {
            var record = CallRecord.Start(advanced.Session, now);
            var rows = new List<CallEventRecord> { CallEventRecord.From(callSid, now, webhook) };
            rows.AddRange(advanced.Events.Select(e => CallEventRecord.From(callSid, now, e)));
            switch (await starts.InsertAsync(record, rows, limit, ct))
            {
                case CallStart.Limited: return TwimlRenderer.Apology(Hardening.CallerRateLimitFilter.TooManyCalls).ToResult();
                case CallStart.Duplicate: return await ReplayAsync(callSid, "incoming", ct);
            }
            logger.LogInformation("Call {CallSid} started on flow {Flow}", callSid, flow.Id);
            return Render(advanced.Session, advanced.Instruction);
        }
        // A first step that reads or changes something (identification by caller ID, a route): one read, one write.
        if (await steps.StartAsync(flow, session, webhook, ct) is not { } taken) return await ReplayAsync(callSid, "incoming", ct);
        logger.LogInformation("Call {CallSid} started on flow {Flow}", callSid, flow.Id);
        return Render(taken.Session, taken.Instruction);
    }

    /// <summary>The caller answered (keys, speech, silence, a recording), or a technician leg or the queue ended.</summary>
    public async Task<IResult> StepAsync(VoiceRequest request, int? sequence, bool noInput, CancellationToken ct, string? step = null)
    {
        if (request.CallSid is not { } callSid) return TwimlRenderer.Apology(NotInService).ToResult();
        var input = Translate(request, noInput);
        // The answer URL names the step it answers: the facts are planned before the call is read, and read with it.
        var flow = request.To is { } to ? flows.ForNumber(to) : null;
        var plan = flow is not null && step is not null ? IvrEngine.Plan(flow, flow.Provider, request.From ?? "", step, input) : null;
        var taken = await steps.TakeAsync(callSid, plan, flow?.Provider ?? "", record => sequence != record.Sequence ? new CallerInput.Replay() : input,
            CallStatusHandler.Webhook("step", request), ct);
        if (taken is null)
        {
            logger.LogWarning("Step webhook for unknown call {CallSid}: starting its flow from the top", callSid);
            return await IncomingAsync(request, ct);
        }
        return Render(taken.Session, taken.Instruction);
    }

    /// <summary>The queue dispatcher redirected this call out of the queue: ring the reserved technician.</summary>
    public async Task<IResult> QueueConnectAsync(VoiceRequest request, CancellationToken ct)
    {
        if (request.CallSid is not { } callSid) return TwimlRenderer.Apology(NotInService).ToResult();
        var flow = request.To is { } to ? flows.ForNumber(to) : null;
        var plan = flow is null ? null : new FactPlan([new FactRequest.CallPolicy(flow.Provider)], false, false, Pool: true);
        var taken = await steps.TakeAsync(callSid, plan, flow?.Provider ?? "", _ => new CallerInput.QueueConnect(), CallStatusHandler.Webhook("queueConnect", request), ct);
        return taken is null ? TwimlRenderer.Apology(NotInService).ToResult() : Render(taken.Session, taken.Instruction);
    }

    /// <summary>
    /// A transfer nobody took and the first technician could not take back (decision 013): the call goes on in its
    /// flow where no technician is free (the queue, or the route step's <c>unavailable</c> exit); <paramref name="replay"/>
    /// answers what it says now, changing nothing (a repeated dial action).
    /// </summary>
    public async Task<IResult> TransferNotTakenAsync(string callSid, bool replay, CancellationToken ct)
    {
        var taken = await steps.TakeAsync(callSid, null, "", _ => replay ? new CallerInput.Replay() : new CallerInput.TransferNotTaken(),
            CallStatusHandler.Webhook("transferNotTaken", null), ct);
        return taken is null ? TwimlRenderer.Apology(NotInService).ToResult() : Render(taken.Session, taken.Instruction);
    }

    /// <summary>Twilio retried the incoming webhook, or another instance has this call: answer as it stands.</summary>
    private async Task<IResult> ReplayAsync(string callSid, string hook, CancellationToken ct)
    {
        var taken = await steps.TakeAsync(callSid, null, "", _ => new CallerInput.Replay(), CallStatusHandler.Webhook(hook, null), ct);
        return taken is null ? TwimlRenderer.Apology(NotInService).ToResult() : Render(taken.Session, taken.Instruction);
    }

    private IResult Render(CallSession session, Instruction instruction) => renderer.Render(instruction, session.Sequence, session.CallSid, session.StepId).ToResult();

    private static CallerInput Translate(VoiceRequest request, bool noInput) => request switch
    {
        { QueueResult: { Length: > 0 } queueResult } => new CallerInput.QueueLeft(queueResult),
        { DialCallStatus: not null } => new CallerInput.DialEnded(
            request.DialWasBridged, request.Raw.GetValueOrDefault("DialCallStatus") ?? "unknown", request.DialCallDuration, request.DialCallSid),
        { RecordingUrl: { } url } => new CallerInput.RecordingDone(url, request.RecordingDuration, request.Raw.GetValueOrDefault("RecordingSid")),
        // A Record action without its URL yet: the recording status callback attaches it (MessageService).
        _ when request.Raw.GetValueOrDefault("RecordingSid") is { Length: > 0 } recordingSid => new CallerInput.RecordingDone(null, request.RecordingDuration, recordingSid),
        { SpeechResult: { Length: > 0 } speech } => new CallerInput.SpeechHeard(speech, request.Confidence),
        { Digits: { } digits } when !noInput => new CallerInput.KeysPressed(digits, request.FinishedOnKey is { Length: > 0 }),
        _ => new CallerInput.NoInput(),
    };
}
