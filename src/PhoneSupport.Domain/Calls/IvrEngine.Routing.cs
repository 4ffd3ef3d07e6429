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
        private StepResult Route(CallSession session, FlowStep step, ImmutableArray<Utterance> prompts)
        {
            var tried = TriedTechnicians(session);
            var reservation = Need<ReservationFact>(new FactRequest.ReserveTechnician(
                session.CallSid, session.Provider, Guid.TryParse(session.Var("accountId"), out var account) ? account : null,
                step.Settings.GetValueOrDefault("skill"), session.Var("tamFirst") == "true", session.Var("onCallOnly") == "true", session.Var(Tried) ?? "",
                int.TryParse(session.Var("priority"), CultureInfo.InvariantCulture, out var priority) ? priority : null, session.Language));
            if (reservation.Technician is not { } technician)
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
                return Done(session with { Phase = CallPhase.Ended }, new Instruction.Hangup(Builtin(session, BuiltInPrompts.AfterCall)));
            }
            _events.Add(IvrEvent.Of("dialFailed", ("technicianId", technician), ("status", dial.Status)));
            var tried = string.Join(',', TriedTechnicians(session).Select(g => g.ToString()).Append(technician).Where(t => t.Length > 0));
            return Route(session with { Vars = session.Vars.SetItem(Tried, tried).Remove(Reserved) }, step, []);
        }

        /// <summary>
        /// A callback step: confirm the caller ID (or take a number keyed in), then store the promise with its
        /// due time from the entitlement and tell the caller when to expect the call.
        /// </summary>
        private StepResult OfferCallback(CallSession session, FlowStep step, ImmutableArray<Utterance> prompts)
        {
            var callerId = PhoneNumbers.ToE164(session.From, NationalNumbers(session));
            var stage = callerId is null ? "enter" : "confirm";
            var asking = session with { StepId = step.Id, Attempt = 0, Vars = session.Vars.SetItem(CallbackStage, stage) };
            return Done(asking, CallbackQuestion(asking, prompts));
        }

        private StepResult AnswerCallback(CallSession session, FlowStep step, CallerInput input)
        {
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
            var fact = Need<CallbackFact>(new FactRequest.ScheduleCallback(session.CallSid, session.Provider,
                Guid.TryParse(session.Var("accountId"), out var account) ? account : null, phone, due, coverageOnly, priority,
                session.Var("decision") ?? "callback"));
            var dueText = Speech.For(session.Language).DueAt(fact.DueAt.InZone(fact.Zone).LocalDateTime);
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
        private void StoreMessage(CallSession session, CallerInput.RecordingDone recording)
        {
            var quote = session.Var("decision") == "quoteRequired";
            var due = session.Var("callbackDueAt") is { } text && InstantPattern.ExtendedIso.Parse(text) is { Success: true } parsed ? parsed.Value : (Instant?)null;
            bool? coverageOnly = session.Var("callbackCoverageOnly") is { } flag ? flag == "true" : null;
            var priority = int.TryParse(session.Var("priority"), CultureInfo.InvariantCulture, out var p) ? p : 5;
            var fact = Need<MessageFact>(new FactRequest.StoreMessage(session.CallSid, session.Provider,
                Guid.TryParse(session.Var("accountId"), out var account) ? account : null, session.From, recording.RecordingUrl, recording.RecordingSid, recording.DurationSeconds,
                quote ? null : PhoneNumbers.ToE164(session.From, NationalNumbers(session)), due, coverageOnly, priority, quote ? "quote" : "message", session.Var("skill"), quote));
            _events.Add(IvrEvent.Of("messageStored", ("messageId", fact.Id.ToString()), ("callbackId", fact.CallbackId?.ToString()),
                ("dueAt", fact.CallbackDueAt is { } at ? InstantPattern.ExtendedIso.Format(at) : null), ("quoteId", fact.QuoteId?.ToString())));
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
                return new StepResult.Advanced(session, CallbackQuestion(session, []), []);
            if (step.Kind == StepKind.Queue && session.Var(Reserved) is null)
                return new StepResult.Advanced(session, new Instruction.Enqueue([], step.Settings.GetValueOrDefault("queue") ?? session.Provider), []);
            if (step.Kind is StepKind.Route or StepKind.Queue && session.Var(Reserved) is { } id && Guid.TryParse(id, out _))
            {
                // A repeated request while the technician rings: the same reservation, asked again (idempotent).
                var reservation = Need<ReservationFact>(new FactRequest.ReserveTechnician(session.CallSid, session.Provider, null, null, false, false, session.Var(Tried) ?? ""));
                if (reservation.Technician is { } technician)
                    return new StepResult.Advanced(session, new Instruction.Dial([], technician, session.To), []);
            }
            return new StepResult.Advanced(session, new Instruction.Hangup(Builtin(session, BuiltInPrompts.AfterCall)), []);
        }

        /// <summary>How this provider's callers key national numbers (the policy's <c>phoneNumbers</c>), if it says.</summary>
        private Policies.NationalNumbers? NationalNumbers(CallSession session) =>
            Need<CallPolicyFact>(new FactRequest.CallPolicy(session.Provider)).PhoneNumbers;

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
