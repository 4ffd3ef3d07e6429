using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Identity;

namespace PhoneSupport.Domain.Calls;

/// <summary>
/// The engine's answer: the step taken (the next session, the instruction, the log entries, the effects to apply in one
/// transaction), or — when the facts given lack one the step needs (the host's plan did not foresee it) — that fact.
/// </summary>
public abstract record StepResult
{
    public sealed record NeedFacts(FactRequest Request) : StepResult;
    public sealed record Advanced(CallSession Session, Instruction Instruction, ImmutableArray<IvrEvent> Events, ImmutableArray<Effect> Effects) : StepResult
    {
        public StepOutcome Outcome => new(Session, Instruction, Events, Effects);
    }
}

/// <summary>
/// Runs a call through its flow. Pure and total (decision 017): given the session, what the caller did and the facts
/// (loaded up front, as <see cref="Plan"/> names them), it returns the next session, the instruction, the log entries and
/// the effects — or, should a fact it needs be missing, that fact (never an exception). It runs through steps that do not
/// wait for the caller within one call and stops at the next question, recording, hang-up, ringing or queue.
/// </summary>
public static partial class IvrEngine
{
    private const int MaxStepsPerWebhook = 32;
    private const string IdentificationTries = "identificationTries";

    public static StepResult Step(Flow flow, CallSession session, CallerInput input, Facts facts)
    {
        var run = new Run(flow, facts);
        return input switch
        {
            CallerInput.CallStarted => run.Enter(session with { StepId = flow.Start }, flow.Start, [], fresh: true),
            CallerInput.Replay => run.Replay(session),
            CallerInput.TransferNotTaken => run.TransferNotTaken(session),
            _ when session.Phase == CallPhase.Ended => run.Replay(session),
            _ => run.Answer(session, flow.Step(session.StepId), input),
        };
    }

    private sealed partial class Run(Flow flow, Facts facts)
    {
        private readonly List<IvrEvent> _events = [];
        private readonly List<Effect> _effects = [];
        private int _steps;
        private int _ids;

        public StepResult Replay(CallSession session)
        {
            if (session.Phase == CallPhase.Ended) return new StepResult.Advanced(session, new Instruction.Hangup([]), [], []);
            var step = flow.Step(session.StepId);
            // The question already asked keeps its sequence number: the answer URL stays the same.
            if (step.Kind is StepKind.Route or StepKind.Callback or StepKind.Queue) return ReplayWaiting(session, step);
            return step.Kind.WaitsForCaller() || step.Kind == StepKind.Message
                ? new StepResult.Advanced(session, Question(session, step, Speak(session, step.Say)), [], [])
                : Enter(session, step.Id, [], fresh: false);
        }

        public StepResult Answer(CallSession session, FlowStep step, CallerInput input)
        {
            _events.Add(IvrEvent.Of("input", ("step", step.Id), ("kind", InputKind(input)), ("value", InputValue(step, input))));
            switch (step.Kind)
            {
                case StepKind.Menu:
                    if (input is CallerInput.KeysPressed { Digits.Length: > 0 } keys && step.Options.FirstOrDefault(o => o.Key == keys.Digits[..1]) is { } option)
                    {
                        var vars = session.Vars.SetItems(option.Sets.Where(s => s.Key != "language"));
                        return Enter(session with { Vars = vars }, option.Next.Target, [], fresh: true);
                    }
                    return Retry(session, step, input, () => Enter(session, step.OnFail!.Target, Reason(session, step, input), fresh: true));

                case StepKind.Language:
                    var chosen = input is CallerInput.KeysPressed { Digits.Length: > 0 } k ? step.Options.FirstOrDefault(o => o.Key == k.Digits[..1]) : null;
                    StepResult Choose(string language)
                    {
                        _events.Add(IvrEvent.Of("language", ("language", language)));
                        return Enter(session with { Language = language, Vars = session.Vars.SetItem("language", language) }, step.Next!.Target, [], fresh: true);
                    }
                    if (chosen is not null) return Choose(chosen.Sets["language"]);
                    // Silence at the language menu is common: carry on in the line's main language.
                    return input is CallerInput.NoInput ? Choose(flow.DefaultLanguage) : Retry(session, step, input, () => Choose(flow.DefaultLanguage));

                case StepKind.Confirm:
                    if (input is CallerInput.KeysPressed { Digits.Length: > 0 } confirm)
                    {
                        var yes = confirm.Digits.StartsWith('1');
                        if (yes && step.Settings.ContainsKey("consent")) _events.Add(Consent(session, step));
                        return Enter(session, step.Outcomes[yes ? FlowActions.Yes : FlowActions.No].Target, [], fresh: true);
                    }
                    return Retry(session, step, input, () => Enter(session, step.Outcomes[FlowActions.No].Target, [], fresh: true));

                case StepKind.Collect:
                    return Collect(session, step, input);

                case StepKind.Route when input is CallerInput.DialEnded dial:
                    return DialEnded(session, step, dial);
                case StepKind.Callback:
                    return AnswerCallback(session, step, input);
                case StepKind.Queue:
                    return AnswerQueue(session, step, input);

                case StepKind.Message when input is CallerInput.RecordingDone recording:
                    _events.Add(IvrEvent.Of("message", ("recordingUrl", recording.RecordingUrl), ("seconds", recording.DurationSeconds?.ToString())));
                    if (StoreMessage(session, recording) is { } missing) return missing;
                    return Done(session with { Phase = CallPhase.Ended }, new Instruction.Hangup(Speak(session, step.Thanks)));

                default:
                    return Replay(session);
            }
        }

        private StepResult Collect(CallSession session, FlowStep step, CallerInput input)
        {
            var request = Lookup(step, input, session.Provider);
            StepResult Failed(bool notFound) =>
                Enter(session, step.Outcomes[FlowActions.Failed].Target, notFound ? Speak(session, Text(step.NotFound, flow.Defaults.NotFound)) : Reason(session, step, input), fresh: true);
            if (request is null) return Retry(session, step, input, () => Failed(notFound: false));
            var locked = new FactRequest.IdentificationLocked(session.Provider, session.From);
            if (!Has<LockoutFact>(locked, out var lockout)) return Missing(locked);
            if (lockout.Locked)
            {
                _events.Add(IvrEvent.Of("identify", ("action", step.Action), ("result", "lockedOut")));
                return Enter(session, step.Outcomes[FlowActions.LockedOut].Target, [], fresh: true);
            }

            if (!Has<IReadOnlyList<AccountFact>>(request, out var matches)) return Missing(request);
            if (!Has<CallPolicyFact>(new FactRequest.CallPolicy(session.Provider), out var rules)) return Missing(new FactRequest.CallPolicy(session.Provider));
            if (matches.Count != 1)
            {
                _events.Add(IvrEvent.Of("identify", ("action", step.Action), ("result", matches.Count == 0 ? "notFound" : "ambiguous")));
                // Counted towards the number's lockout; exact across instances: the count seen must still hold when saved.
                _effects.Add(new Effect.RecordIdentificationFailure(session.Provider, new PhoneNumber(session.From), new CallSid(session.CallSid), lockout.Failures,
                    rules.Policy?.Identification?.Reach(facts.Now)));
                // identification.maxTriesPerCall bounds the wrong numbers and names of the whole call, across its collect steps.
                var tries = (int.TryParse(session.Var(IdentificationTries), CultureInfo.InvariantCulture, out var t) ? t : 0) + 1;
                session = session with { Vars = session.Vars.SetItem(IdentificationTries, tries.ToString(CultureInfo.InvariantCulture)) };
                if (tries >= rules.MaxIdentificationTries)
                {
                    _events.Add(IvrEvent.Of("attemptsExhausted", ("step", step.Id), ("identificationTries", tries.ToString(CultureInfo.InvariantCulture))));
                    return Failed(notFound: true);
                }
                return Retry(session, step, input, () => Failed(notFound: true), notFound: true);
            }
            // Not locked out on the failures seen: still true when saved (a parallel wrong entry may lock the number meanwhile).
            if (Has<CallPolicyFact>(new FactRequest.CallPolicy(session.Provider), out var policyRules))
                _effects.Add(new Effect.ExpectIdentificationFailures(session.Provider, new PhoneNumber(session.From), lockout.Failures,
                    policyRules.Policy?.Identification?.Reach(facts.Now)));
            return Enter(Identify(session, step.Action!, matches[0]), step.Outcomes[FlowActions.Identified].Target, [], fresh: true);
        }

        private CallSession Identify(CallSession session, string action, AccountFact account)
        {
            _events.Add(IvrEvent.Of("identify", ("action", action), ("result", "identified"), ("accountId", account.AccountId.ToString()), ("contractNumber", account.Contract?.ContractNumber)));
            var vars = session.Vars.SetItems(new Dictionary<string, string>
            {
                ["accountId"] = account.AccountId.ToString(),
                ["accountName"] = account.Name,
                ["accountNumber"] = account.AccountNumber,
                ["membership"] = account.Membership,
            });
            if (account.Contract is { } contract)
                vars = vars.SetItem("contractId", contract.ContractId.ToString()).SetItem("contractNumber", contract.ContractNumber);
            return session with { Vars = vars };
        }

        /// <summary>Counts a failed try; asks again while tries remain, otherwise takes the step's way out.</summary>
        private StepResult Retry(CallSession session, FlowStep step, CallerInput input, Func<StepResult> exhausted, bool notFound = false)
        {
            if (session.Attempt + 1 >= MaxAttempts(step))
            {
                _events.Add(IvrEvent.Of("attemptsExhausted", ("step", step.Id)));
                return exhausted();
            }
            var retried = session with { Attempt = session.Attempt + 1 };
            var reason = notFound ? Speak(retried, Text(step.NotFound, flow.Defaults.NotFound)) : Reason(retried, step, input);
            return Done(retried, Question(retried, step, reason.AddRange(Speak(retried, step.Say))));
        }

        private ImmutableArray<Utterance> Reason(CallSession session, FlowStep step, CallerInput input) =>
            Speak(session, input is CallerInput.NoInput ? Text(step.NoInput, flow.Defaults.NoInput) : Text(step.Invalid, flow.Defaults.Invalid));

        public StepResult Enter(CallSession session, string stepId, ImmutableArray<Utterance> said, bool fresh)
        {
            if (++_steps > MaxStepsPerWebhook) throw new InvalidOperationException($"Flow '{flow.Id}' ran {MaxStepsPerWebhook} steps without waiting for the caller.");
            var step = flow.Step(stepId);
            if (step.Id != session.StepId || fresh) _events.Add(IvrEvent.Of("step", ("step", step.Id), ("kind", step.Kind.ToString())));
            session = session with { StepId = step.Id, Attempt = step.Id == session.StepId && !fresh ? session.Attempt : 0 };
            var prompts = said.AddRange(Speak(session, step.Say));
            switch (step.Kind)
            {
                case StepKind.Menu or StepKind.Language or StepKind.Collect or StepKind.Confirm or StepKind.Message:
                    return Done(session, Question(session, step, prompts));
                case StepKind.Say:
                    return Enter(session, step.Next!.Target, prompts, fresh: true);
                case StepKind.Action when step.Action == FlowActions.IdentifyByCallerId:
                    var byPhone = new FactRequest.AccountsByPhone(session.Provider, session.From);
                    if (!Has<IReadOnlyList<AccountFact>>(byPhone, out var matches)) return Missing(byPhone);
                    if (matches.Count == 1) return Enter(Identify(session, step.Action, matches[0]), step.Outcomes[FlowActions.Identified].Target, prompts, fresh: true);
                    _events.Add(IvrEvent.Of("identify", ("action", step.Action), ("result", matches.Count == 0 ? "notFound" : "ambiguous")));
                    return Enter(session, step.Outcomes[FlowActions.NotFound].Target, prompts, fresh: true);
                case StepKind.Action when step.Action is FlowActions.Decide or FlowActions.DecideSales or FlowActions.ClaimIncluded:
                    return EnterEntitlementAction(session, step, prompts);
                case StepKind.Action when step.Action == FlowActions.Purchase:
                    return EnterPurchase(session, step, prompts);
                case StepKind.Route:
                    return Route(session, step, prompts);
                case StepKind.Callback:
                    return OfferCallback(session, step, prompts);
                case StepKind.Queue:
                    return EnterQueue(session, step, prompts, said);
                default:
                    _events.Add(IvrEvent.Of("ended", ("step", step.Id)));
                    return Done(session with { Phase = CallPhase.Ended }, new Instruction.Hangup(prompts));
            }
        }

        private Instruction Question(CallSession session, FlowStep step, ImmutableArray<Utterance> prompts)
        {
            if (step.Kind == StepKind.Message)
                return new Instruction.RecordMessage(prompts, int.TryParse(step.Settings.GetValueOrDefault("maxLength"), out var max) ? max : 120);
            var timeout = step.TimeoutSeconds ?? flow.Defaults.TimeoutSeconds;
            var language = step.Kind == StepKind.Language ? flow.DefaultLanguage : session.Language;
            var gather = step.Collect switch
            {
                { Input: CollectInput.Speech } c => new GatherSpec(true, null, "", timeout, language, c.Hints),
                { } c => new GatherSpec(false, null, c.FinishOnKey, timeout, language, []),
                null => new GatherSpec(false, 1, "", timeout, language, []),
            };
            return new Instruction.Ask(prompts, gather);
        }

        private StepResult Done(CallSession session, Instruction instruction)
        {
            var next = instruction is Instruction.Ask or Instruction.RecordMessage or Instruction.Dial or Instruction.Enqueue ? session with { Sequence = session.Sequence + 1 } : session;
            return new StepResult.Advanced(next, instruction, [.. _events], [.. _effects]);
        }

        private bool Has<T>(FactRequest request, out T answer) => facts.TryGet(request, out answer);

        private static StepResult Missing(FactRequest request) => new StepResult.NeedFacts(request);

        /// <summary>The next of the ids the host drew for this step.</summary>
        private Guid NewId() => _ids < facts.Ids.Count ? facts.Ids[_ids++]
            : throw new InvalidOperationException($"A step uses at most {Facts.IdsPerStep} new ids; the host gave {facts.Ids.Count}.");

        private int MaxAttempts(FlowStep step) => step.MaxAttempts ?? flow.Defaults.MaxAttempts;

        private static LocalizedText Text(LocalizedText own, LocalizedText fallback) => own.IsEmpty ? fallback : own;

        /// <summary>Speaks a prompt; a language menu says each language's text in that language's voice.</summary>
        private ImmutableArray<Utterance> Speak(CallSession session, LocalizedText text)
        {
            if (text.IsEmpty) return [];
            if (flow.Step(session.StepId) is { Kind: StepKind.Language } menu && ReferenceEquals(text, menu.Say))
                // In key order: the languages dictionary is hashed, so its order is not the file's and changes between runs.
                return [.. menu.Options.Select(o => flow.Language(o.Sets["language"])).Distinct().Where(l => text.ByLanguage.ContainsKey(l.Code)).Select(l => new Utterance(Fill(text.ByLanguage[l.Code], session), l.Code, l.Voice))];
            var language = flow.Language(session.Language);
            var value = text.For(language.Code, flow.DefaultLanguage) ?? "";
            return [new Utterance(Fill(value, session), language.Code, language.Voice)];
        }

        private ImmutableArray<Utterance> Placeholder(CallSession session, IReadOnlyDictionary<string, string> texts)
        {
            var language = flow.Language(session.Language);
            var text = texts.TryGetValue(language.Code[..2], out var t) ? t : texts["en"];
            return [new Utterance(Fill(text, session), language.Code, language.Voice)];
        }

        private static string InputKind(CallerInput input) => input switch
        {
            CallerInput.KeysPressed => "keys",
            CallerInput.SpeechHeard => "speech",
            CallerInput.NoInput => "noInput",
            CallerInput.RecordingDone => "recording",
            CallerInput.DialEnded => "dialEnded",
            CallerInput.QueueLeft => "queueLeft",
            CallerInput.QueueConnect => "queueConnect",
            CallerInput.TransferNotTaken => "transferNotTaken",
            _ => "other",
        };

        private static string? InputValue(FlowStep step, CallerInput input) => input switch
        {
            CallerInput.KeysPressed keys => keys.Digits,
            CallerInput.SpeechHeard heard when step.Collect is not null => heard.Text,
            _ => null,
        };
    }

    /// <summary>
    /// The look-up an answer to a collect step makes (shared by the step and its plan): a number of the step's length, all
    /// digits, by contract or account number; a heard name by its normalised user name; null for anything else (a try counted).
    /// </summary>
    private static FactRequest? Lookup(FlowStep step, CallerInput input, string provider) => (step.Collect?.Input, input) switch
    {
        (CollectInput.Digits, CallerInput.KeysPressed keys) when keys.Digits.Length >= step.Collect!.MinLength && keys.Digits.Length <= step.Collect.MaxLength
            && keys.Digits.All(char.IsAsciiDigit) => step.Action switch
            {
                FlowActions.IdentifyByContract => new FactRequest.AccountByContractNumber(new ContractNumber(keys.Digits)),
                _ => new FactRequest.AccountByNumber(provider, keys.Digits),
            },
        (CollectInput.Speech, CallerInput.SpeechHeard heard) when UserNames.Normalize(heard.Text).Length > 0
            => new FactRequest.AccountsByUserName(provider, UserNames.Normalize(heard.Text)),
        _ => null,
    };

    /// <summary>Fills <c>{name}</c> and <c>{name:digits}</c> (read digit by digit) from the call's variables.</summary>
    public static string Fill(string text, CallSession session) =>
        Placeholder().Replace(text, m =>
        {
            var name = m.Groups["name"].Value;
            var value = session.Var(name) ?? "";
            // The window is stored by its policy name (data the host reads); the caller hears it in their language.
            if (name == "window" && Policies.Windows.TryParse(value, out var window)) return Speech.For(session.Language).Window(window);
            return m.Groups["format"].Value == "digits" ? string.Join(' ', value.ToCharArray()) : value;
        });

    [GeneratedRegex(@"\{(?<name>[A-Za-z]+)(:(?<format>[a-z]+))?\}")] private static partial Regex Placeholder();
}
