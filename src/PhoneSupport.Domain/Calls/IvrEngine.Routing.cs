using System.Collections.Immutable;
using System.Globalization;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Domain.Flows;

namespace PhoneSupport.Domain.Calls;

public static partial class IvrEngine
{
    private sealed partial class Run
    {
        private const string Tried = "triedTechnicians";
        private const string Reserved = "reservedTechnician";
        private const string CallbackStage = "callbackStage";

        /// <summary>
        /// A route step: reserve the next technician (TAM first, on-call outside business hours, none tried
        /// before on this call) and ring them with a whisper; when nobody can be reached, take the step's
        /// <c>unavailable</c> exit (a callback, a queue, a message).
        /// </summary>
        private StepResult Route(CallSession session, FlowStep step, ImmutableArray<Utterance> prompts, PoolTechnician? releasedNow = null)
        {
            var tried = TriedTechnicians(session);
            var poolRequest = new FactRequest.TechnicianPool(session.Provider, session.CallSid);
            if (!Has<TechnicianPoolFact>(poolRequest, out var pool)) return Missing(poolRequest);
            var key = new ReservationKey.Call(new CallSid(session.CallSid));
            // The technicians tried on this call are let go first, so the call can hold the next one.
            foreach (var id in tried) _effects.Add(new Effect.ReleaseTechnician(id, key, "tried"));
            TechnicianFact? technician = null;
            if (tried.Length < pool.MaxTechniciansPerCall)
            {
                if (pool.Held is { } held && !tried.Contains(held.Id)) technician = held.Fact; // a repeated request: the same reservation
                else
                {
                    Guid? tam = null;
                    if (session.Var("tamFirst") == "true" && Guid.TryParse(session.Var("accountId"), out var account))
                    {
                        var snapshot = new FactRequest.AccountSnapshot(account, Guid.TryParse(session.Var("contractId"), out var c) ? c : null);
                        if (!Has<AccountSnapshotFact>(snapshot, out var known)) return Missing(snapshot);
                        tam = known.TamTechnicianId;
                    }
                    int? priority = int.TryParse(session.Var("priority"), CultureInfo.InvariantCulture, out var p) ? p : null;
                    var choice = Routing.TechnicianChoice.Choose(pool, step.Settings.GetValueOrDefault("skill"), tam, session.Var("onCallOnly") == "true",
                        tried, priority, session.Language, releasedNow, facts.Attempt, session.CallSid);
                    if (choice.HeldBack) _effects.Add(new Effect.WakeCallbacksAhead(session.Provider, priority!.Value));
                    if (choice.Technician is { } pick)
                    {
                        _effects.Add(new Effect.ReserveTechnician(key, [.. choice.Candidates.Select(c => new ReservationCandidate(c.Id))], tam));
                        technician = pick.Fact;
                    }
                }
            }
            if (technician is null)
            {
                _events.Add(IvrEvent.Of("routing", ("result", "noTechnician"), ("tried", tried.Length.ToString(CultureInfo.InvariantCulture))));
                return Enter(session with { Vars = session.Vars.Remove(Reserved) }, step.Outcomes[FlowActions.Unavailable].Target,
                    prompts.AddRange(Builtin(session, BuiltInPrompts.NoTechnician)), fresh: true);
            }
            _events.Add(IvrEvent.Of("routing", ("result", "reserved"), ("technicianId", technician.Id.ToString()), ("attempt", (tried.Length + 1).ToString(CultureInfo.InvariantCulture))));
            var ringing = session with { StepId = step.Id, Vars = session.Vars.SetItem(Reserved, technician.Id.ToString()) };
            return Done(ringing, new Instruction.Dial(prompts.AddRange(Builtin(session, BuiltInPrompts.Connecting)), technician, session.To));
        }

        /// <summary>The technician leg ended: a bridged call is over; otherwise try the next technician.</summary>
        private StepResult DialEnded(CallSession session, FlowStep step, CallerInput.DialEnded dial)
        {
            var technician = session.Var(Reserved) ?? "";
            if (dial.Bridged)
            {
                _events.Add(IvrEvent.Of("connected", ("technicianId", technician), ("seconds", dial.Seconds?.ToString(CultureInfo.InvariantCulture))));
                Connected(session, technician, dial);
                return Done(session with { Phase = CallPhase.Ended }, new Instruction.Hangup(Builtin(session, BuiltInPrompts.AfterCall)));
            }
            _events.Add(IvrEvent.Of("dialFailed", ("technicianId", technician), ("status", dial.Status)));
            PoolTechnician? released = null;
            if (Guid.TryParse(technician, out var failed))
            {
                _effects.Add(new Effect.ReleaseTechnician(failed, new ReservationKey.Call(new CallSid(session.CallSid)), dial.Status));
                if (facts.TryGet<TechnicianPoolFact>(new FactRequest.TechnicianPool(session.Provider, session.CallSid), out var pool) && pool.Held is { } held && held.Id == failed)
                    released = held;
            }
            var tried = string.Join(',', TriedTechnicians(session).Select(g => g.ToString()).Append(technician).Where(t => t.Length > 0));
            return Route(session with { Vars = session.Vars.SetItem(Tried, tried).Remove(Reserved) }, step, [], released);
        }

        /// <summary>The technician took the call: their wrap-up after it, the leg towards the caller's incident, the queue entry (if any) connected.</summary>
        private void Connected(CallSession session, string? technician, CallerInput.DialEnded dial)
        {
            var call = new CallSid(session.CallSid);
            if (!Guid.TryParse(technician, out var id)) return;
            _effects.Add(new Effect.FinishTechnician(id, new ReservationKey.Call(call)));
            _effects.Add(new Effect.RecordLeg(call, dial.LegSid ?? $"{session.CallSid}:{id:N}", dial.Seconds ?? 0));
            _effects.Add(new Effect.MarkQueue(call, "connected"));
        }

        /// <summary>
        /// A callback step: confirm the caller ID (or take a number keyed in), then store the promise with its
        /// due time from the entitlement and tell the caller when to expect the call.
        /// </summary>
        private StepResult OfferCallback(CallSession session, FlowStep step, ImmutableArray<Utterance> prompts)
        {
            if (!Has<CallPolicyFact>(new FactRequest.CallPolicy(session.Provider), out _)) return Missing(new FactRequest.CallPolicy(session.Provider));
            var callerId = PhoneNumbers.ToE164(session.From, NationalNumbers(session));
            var stage = callerId is null ? "enter" : "confirm";
            var asking = session with { StepId = step.Id, Attempt = 0, Vars = session.Vars.SetItem(CallbackStage, stage) };
            return Done(asking, CallbackQuestion(asking, prompts));
        }

        private StepResult AnswerCallback(CallSession session, FlowStep step, CallerInput input)
        {
            if (!Has<CallPolicyFact>(new FactRequest.CallPolicy(session.Provider), out _)) return Missing(new FactRequest.CallPolicy(session.Provider));
            var callerId = PhoneNumbers.ToE164(session.From, NationalNumbers(session));
            if (session.Var(CallbackStage) == "confirm")
            {
                if (input is CallerInput.KeysPressed { Digits: ['2', ..] })
                {
                    var entering = session with { Attempt = 0, Vars = session.Vars.SetItem(CallbackStage, "enter") };
                    return Done(entering, CallbackQuestion(entering, []));
                }
                // "1", or silence after the question: the caller ID it is.
                return Schedule(session, callerId!);
            }
            var keyed = input is CallerInput.KeysPressed keys ? PhoneNumbers.ToE164(keys.Digits, NationalNumbers(session)) : null;
            if (keyed is not null) return Schedule(session, keyed);
            if (session.Attempt + 1 >= MaxAttempts(step))
                return callerId is not null ? Schedule(session, callerId)
                    : Done(session with { Phase = CallPhase.Ended }, new Instruction.Hangup(Builtin(session, BuiltInPrompts.NoCallbackNumber)));
            var again = session with { Attempt = session.Attempt + 1 };
            return Done(again, CallbackQuestion(again, Builtin(again, BuiltInPrompts.BadNumber)));
        }

        private StepResult Schedule(CallSession session, string phone)
        {
            var due = session.Var("callbackDueAt") is { } text && InstantPattern.ExtendedIso.Parse(text) is { Success: true } parsed ? parsed.Value : (Instant?)null;
            bool? coverageOnly = session.Var("callbackCoverageOnly") is { } flag ? flag == "true" : null;
            var priority = int.TryParse(session.Var("priority"), CultureInfo.InvariantCulture, out var p) ? p : 5;
            if (!Has<CallPolicyFact>(new FactRequest.CallPolicy(session.Provider), out var rules)) return Missing(new FactRequest.CallPolicy(session.Provider));
            var fact = CallbackPromise(session, rules.Policy, phone, due, coverageOnly, priority, session.Var("decision") ?? "callback", skill: null);
            _effects.Add(fact);
            var zone = rules.Policy?.Coverage.Zone ?? DateTimeZone.Utc;
            var dueText = Speech.For(session.Language).DueAt(fact.DueAt.InZone(zone).LocalDateTime);
            _events.Add(IvrEvent.Of("callbackScheduled", ("callbackId", fact.Id.ToString()), ("dueAt", InstantPattern.ExtendedIso.Format(fact.DueAt)),
                ("notBefore", InstantPattern.ExtendedIso.Format(fact.NotBefore)), ("numberEnding", phone[^4..])));
            var said = Builtin(session, BuiltInPrompts.Scheduled, ("last4", string.Join(' ', phone[^4..].ToCharArray())), ("dueAt", dueText));
            return Done(session with { Phase = CallPhase.Ended }, new Instruction.Hangup(said));
        }

        /// <summary>
        /// A message is a promise: stored with the callback its prompt promised (due as the decision said: from now in
        /// business hours, from the next opening after them; for the line's skill) — or, after a quote offer, with a
        /// quote request, whose acceptance schedules the callback instead.
        /// </summary>
        private StepResult? StoreMessage(CallSession session, CallerInput.RecordingDone recording)
        {
            var quote = session.Var("decision") == "quoteRequired";
            var due = session.Var("callbackDueAt") is { } text && InstantPattern.ExtendedIso.Parse(text) is { Success: true } parsed ? parsed.Value : (Instant?)null;
            bool? coverageOnly = session.Var("callbackCoverageOnly") is { } flag ? flag == "true" : null;
            var priority = int.TryParse(session.Var("priority"), CultureInfo.InvariantCulture, out var p) ? p : 5;
            if (!Has<CallPolicyFact>(new FactRequest.CallPolicy(session.Provider), out var rules)) return Missing(new FactRequest.CallPolicy(session.Provider));
            var number = quote ? null : PhoneNumbers.ToE164(session.From, rules.PhoneNumbers);
            var callback = number is null ? null : CallbackPromise(session, rules.Policy, number, due, coverageOnly, priority, quote ? "quote" : "message", session.Var("skill"));
            var message = new Effect.StoreMessage(NewId(), new CallSid(session.CallSid), session.Provider, Guid.TryParse(session.Var("accountId"), out var account) ? account : null,
                new PhoneNumber(session.From), recording.RecordingSid, recording.RecordingUrl, recording.DurationSeconds, callback, quote);
            _effects.Add(message);
            // The ids are the ones the effect creates; the host puts the stored row's own (the recording callback may have come first) and the quote's in their place.
            _events.Add(IvrEvent.Of("messageStored", ("messageId", message.Id.ToString()), ("callbackId", callback?.Id.ToString()),
                ("dueAt", callback?.DueAt is { } at ? InstantPattern.ExtendedIso.Format(at) : null)));
            return null;
        }

        /// <summary>
        /// A callback promise: due as the decision said (else the provider's promise from now), not before the next opening when
        /// it waits for business hours. A test provider without a policy: from now, due in an hour.
        /// </summary>
        private Effect.ScheduleCallback CallbackPromise(CallSession session, Policies.SupportPolicy? policy, string phone, Instant? due, bool? coverageOnly, int priority,
            string reason, string? skill)
        {
            var now = facts.Now;
            var waitsForHours = coverageOnly ?? true;
            var (notBefore, dueAt) = policy is null ? (now, due ?? now + Duration.FromHours(1)) : Policies.CallbackPromise.Times(policy, now, due, waitsForHours);
            return new Effect.ScheduleCallback(NewId(), new CallSid(session.CallSid), session.Provider, Guid.TryParse(session.Var("accountId"), out var account) ? account : null,
                new PhoneNumber(phone), dueAt, notBefore, waitsForHours, priority, reason, skill);
        }

        private Instruction CallbackQuestion(CallSession session, ImmutableArray<Utterance> before)
        {
            var language = flow.Language(session.Language);
            if (session.Var(CallbackStage) == "confirm")
            {
                var last4 = string.Join(' ', session.From[^4..].ToCharArray());
                return new Instruction.Ask(before.AddRange(Builtin(session, BuiltInPrompts.ConfirmNumber, ("last4", last4))),
                    new GatherSpec(false, 1, "", flow.Defaults.TimeoutSeconds, language.Code, []));
            }
            return new Instruction.Ask(before.AddRange(Builtin(session, BuiltInPrompts.EnterNumber)),
                new GatherSpec(false, null, "#", 10, language.Code, []));
        }

        private StepResult ReplayWaiting(CallSession session, FlowStep step)
        {
            if (step.Kind == StepKind.Callback && session.Var(CallbackStage) is not null)
                return new StepResult.Advanced(session, CallbackQuestion(session, []), [], []);
            if (step.Kind == StepKind.Queue && session.Var(Reserved) is null)
                return new StepResult.Advanced(session, new Instruction.Enqueue([], step.Settings.GetValueOrDefault("queue") ?? session.Provider), [], []);
            if (step.Kind is StepKind.Route or StepKind.Queue && session.Var(Reserved) is { } id && Guid.TryParse(id, out _))
            {
                // A repeated request while the technician rings: the technician still holding the call, rung again.
                var poolRequest = new FactRequest.TechnicianPool(session.Provider, session.CallSid);
                if (!Has<TechnicianPoolFact>(poolRequest, out var pool)) return Missing(poolRequest);
                if (pool.Held is { } technician && !TriedTechnicians(session).Contains(technician.Id))
                    return new StepResult.Advanced(session, new Instruction.Dial([], technician.Fact, session.To), [], []);
            }
            return new StepResult.Advanced(session, new Instruction.Hangup(Builtin(session, BuiltInPrompts.AfterCall)), [], []);
        }

        /// <summary>How this provider's callers key national numbers (the policy's <c>phoneNumbers</c>), if it says.</summary>
        private Policies.NationalNumbers? NationalNumbers(CallSession session) =>
            facts.TryGet<CallPolicyFact>(new FactRequest.CallPolicy(session.Provider), out var rules) ? rules.PhoneNumbers : null;

        private static ImmutableArray<Guid> TriedTechnicians(CallSession session) =>
            [.. (session.Var(Tried) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse)];

        private ImmutableArray<Utterance> Builtin(CallSession session, IReadOnlyDictionary<string, string> texts, params (string Name, string Value)[] values)
        {
            var language = flow.Language(session.Language);
            var text = texts.TryGetValue(language.Code[..2], out var t) ? t : texts["en"];
            foreach (var (name, value) in values) text = text.Replace("{" + name + "}", value, StringComparison.Ordinal);
            return [new Utterance(text, language.Code, language.Voice)];
        }
    }
}

/// <summary>Phone numbers as callers key them, turned into E.164.</summary>
public static class PhoneNumbers
{
    /// <summary>
    /// <c>+…</c> and <c>00…</c> are international; with the policy's <paramref name="national"/> rule a national number
    /// (<c>nationalNumberLength</c> digits, after the trunk prefix if any, or already led by the country code) gets the
    /// country code; anything else (a national number led by its country code, "1703…") is read as international without its <c>+</c>. Null when it cannot be a callable number.
    /// </summary>
    public static string? ToE164(string? text, Policies.NationalNumbers? national)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var digits = new string([.. text.Where(char.IsAsciiDigit)]);
        string candidate;
        if (text.TrimStart().StartsWith('+')) candidate = "+" + digits;
        else if (digits.StartsWith("00", StringComparison.Ordinal)) candidate = "+" + digits[2..];
        else if (national is { } n && digits.Length == n.TrunkPrefix.Length + n.NationalNumberLength && digits.StartsWith(n.TrunkPrefix, StringComparison.Ordinal))
            candidate = "+" + n.CountryCode + digits[n.TrunkPrefix.Length..];
        else candidate = "+" + digits;
        return candidate.Length is >= 9 and <= 16 && candidate[1] != '0' ? candidate : null;
    }
}
