using System.Collections.Immutable;
using System.Globalization;
using NodaTime;
using PhoneSupport.Domain.Flows;

namespace PhoneSupport.Domain.Calls;

public static partial class IvrEngine
{
    /// <summary>
    /// What a holding caller hears at each request of the queue's wait URL: their position and the estimated wait, and,
    /// once they have held long enough (<paramref name="offerCallback"/>), how to keep holding or get a call back — the
    /// queue step's texts (or the built-in ones) in the call's language and voice.
    /// </summary>
    public static Utterance QueueWait(Flow flow, CallSession session, int position, Duration estimate, bool offerCallback)
    {
        var minutes = Math.Max(1, (long)Math.Ceiling(estimate.TotalMinutes));
        var filled = session with
        {
            Vars = session.Vars.SetItem("position", position.ToString(CultureInfo.InvariantCulture))
                .SetItem("wait", Speech.For(flow.Language(session.Language).Code).Duration(Duration.FromMinutes(minutes))),
        };
        var said = QueueText(flow, filled, QueueTexts.Position, BuiltInPrompts.QueuePosition);
        if (offerCallback) said = said with { Text = $"{said.Text} {QueueText(flow, filled, QueueTexts.Offer, BuiltInPrompts.QueueOffer).Text}" };
        return said;
    }

    /// <summary>The apology a caller hears when a webhook of their call failed, in the call's language and voice.</summary>
    public static Utterance Apology(Flow flow, string language)
    {
        var spoken = flow.Language(language);
        return new Utterance(BuiltInPrompts.TechnicalDifficulties.GetValueOrDefault(Speech.Primary(spoken.Code)) ?? BuiltInPrompts.TechnicalDifficulties["en"], spoken.Code, spoken.Voice);
    }

    /// <summary>What a holding caller hears after pressing 1 to keep holding.</summary>
    public static Utterance QueueHolding(Flow flow, CallSession session) => QueueText(flow, session, QueueTexts.Holding, BuiltInPrompts.QueueHolding);

    private static Utterance QueueText(Flow flow, CallSession session, string key, IReadOnlyDictionary<string, string> builtIn)
    {
        var language = flow.Language(session.Language);
        var own = flow.Steps.GetValueOrDefault(session.StepId) is { Kind: StepKind.Queue } step && step.Texts.TryGetValue(key, out var t)
            ? t.For(language.Code, flow.DefaultLanguage) : null;
        var text = own ?? builtIn.GetValueOrDefault(Speech.Primary(language.Code)) ?? builtIn["en"];
        return new Utterance(Fill(text, session), language.Code, language.Voice);
    }

    private sealed partial class Run
    {
        /// <summary>
        /// A queue step: callers whose plan allows priority queueing hold in the queue (the order lives in the
        /// database, not in Twilio's FIFO); everyone else takes the step's <c>unavailable</c> exit.
        /// </summary>
        private StepResult EnterQueue(CallSession session, FlowStep step, ImmutableArray<Utterance> prompts, ImmutableArray<Utterance>? before = null)
        {
            // Not queue-allowed: the step's own words ("please hold") are not said.
            if (session.Var("queueAllowed") != "true")
                return Enter(session, step.Outcomes[FlowActions.Unavailable].Target, before ?? [], fresh: true);
            var priority = int.TryParse(session.Var("priority"), CultureInfo.InvariantCulture, out var p) ? p : 5;
            var severity = int.TryParse(session.Var("severity"), CultureInfo.InvariantCulture, out var s) ? s : 9;
            _effects.Add(new Effect.Enqueue(new CallSid(session.CallSid), session.Provider, priority, severity, session.Var("onCallOnly") == "true"));
            _events.Add(IvrEvent.Of("queued", ("priority", priority.ToString(CultureInfo.InvariantCulture)), ("severity", severity.ToString(CultureInfo.InvariantCulture))));
            var queue = step.Settings.GetValueOrDefault("queue") ?? session.Provider;
            var holding = session with { StepId = step.Id, Vars = session.Vars.Remove("reservedTechnician") };
            return Done(holding, new Instruction.Enqueue(prompts, queue));
        }

        /// <summary>
        /// A transfer nobody took (decision 013): the call was moved out of its route or queue step (ended there when the
        /// first technician's dial was bridged) and goes on as if no technician were free — back in the queue, keeping its
        /// place (a queue step), or the route step's <c>unavailable</c> exit (a callback offer, a message) — after a short
        /// sentence in the call's language. Any other step: nothing changes.
        /// </summary>
        public StepResult TransferNotTaken(CallSession session)
        {
            if (!flow.Steps.TryGetValue(session.StepId, out var step) || step.Kind is not (StepKind.Route or StepKind.Queue)
                || session.Var("queueAllowed") != "true" && !step.Outcomes.ContainsKey(FlowActions.Unavailable))
                return Replay(session);
            _events.Add(IvrEvent.Of("transferNotTaken", ("step", step.Id)));
            var reopened = session with { Phase = CallPhase.InIvr, Vars = session.Vars.Remove("reservedTechnician") };
            var said = Builtin(session, BuiltInPrompts.TransferNotTaken);
            return step.Kind == StepKind.Queue
                ? EnterQueue(reopened, step, said)
                : Enter(reopened, step.Outcomes[FlowActions.Unavailable].Target, said, fresh: true);
        }

        private StepResult AnswerQueue(CallSession session, FlowStep step, CallerInput input)
        {
            switch (input)
            {
                case CallerInput.QueueConnect:
                    // The dispatcher reserved a technician for this call; ring them as a route step would.
                    // The dispatcher reserved a technician for this call: the one holding it now.
                    var poolRequest = new FactRequest.TechnicianPool(session.Provider, session.CallSid);
                    if (!Has<TechnicianPoolFact>(poolRequest, out var pool)) return Missing(poolRequest);
                    if (pool.Held is not { } held) return EnterQueue(session, step, []);
                    var technician = held.Fact;
                    _events.Add(IvrEvent.Of("routing", ("result", "reserved"), ("technicianId", technician.Id.ToString()), ("from", "queue")));
                    var ringing = session with { Vars = session.Vars.SetItem("reservedTechnician", technician.Id.ToString()) };
                    return Done(ringing, new Instruction.Dial([], technician, session.To));
                case CallerInput.DialEnded { Bridged: true } dial:
                    _events.Add(IvrEvent.Of("connected", ("technicianId", session.Var("reservedTechnician")), ("seconds", dial.Seconds?.ToString(CultureInfo.InvariantCulture))));
                    Connected(session, session.Var("reservedTechnician"), dial);
                    return Done(session with { Phase = CallPhase.Ended }, new Instruction.Hangup(Builtin(session, BuiltInPrompts.AfterCall)));
                case CallerInput.DialEnded dial:
                    // The technician did not take it: back in line, keeping the caller's place.
                    _events.Add(IvrEvent.Of("dialFailed", ("technicianId", session.Var("reservedTechnician")), ("status", dial.Status)));
                    if (Guid.TryParse(session.Var("reservedTechnician"), out var failed))
                        _effects.Add(new Effect.ReleaseTechnician(failed, new ReservationKey.Call(new CallSid(session.CallSid)), dial.Status));
                    return EnterQueue(session with { Vars = session.Vars.Remove("reservedTechnician") }, step, []);
                case CallerInput.QueueLeft { Result: "leave" }:
                    _events.Add(IvrEvent.Of("queueLeft", ("result", "callback")));
                    _effects.Add(new Effect.MarkQueue(new CallSid(session.CallSid), "left"));
                    return Enter(session, step.Outcomes[FlowActions.Unavailable].Target, [], fresh: true);
                case CallerInput.QueueLeft left:
                    _events.Add(IvrEvent.Of("queueLeft", ("result", left.Result)));
                    _effects.Add(new Effect.MarkQueue(new CallSid(session.CallSid), "left"));
                    return Done(session with { Phase = CallPhase.Ended }, new Instruction.Hangup([]));
                default:
                    return ReplayWaiting(session, step);
            }
        }
    }
}
