using System.Collections.Immutable;
using System.Globalization;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Domain.Calls;

public static partial class IvrEngine
{
    private sealed partial class Run
    {
        /// <summary>
        /// <c>decide</c> / <c>decideSales</c>: ask the policy what this caller gets, speak its facts through the
        /// call's variables and follow the outcome named after the decision. <c>claimIncluded</c>: claim one
        /// included incident (at the caller's consent), or learn that a parallel call took the last one.
        /// </summary>
        private StepResult EnterEntitlementAction(CallSession session, FlowStep step, ImmutableArray<Utterance> prompts)
        {
            var rulesRequest = new FactRequest.CallPolicy(session.Provider);
            if (!Has<CallPolicyFact>(rulesRequest, out var rules)) return Missing(rulesRequest);
            if (step.Action == FlowActions.ClaimIncluded)
            {
                var contractId = Guid.Parse(session.Var("contractId") ?? throw new InvalidOperationException($"Step '{step.Id}' claims an included incident, but no contract was identified."));
                var accountOf = Guid.Parse(session.Var("accountId") ?? throw new InvalidOperationException($"Step '{step.Id}' claims before the caller is identified."));
                var snapshotRequest = new FactRequest.AccountSnapshot(accountOf, contractId);
                if (!Has<AccountSnapshotFact>(snapshotRequest, out var snapshot)) return Missing(snapshotRequest);
                var claimed = Claim(session, rules.Policy, snapshot);
                _events.Add(IvrEvent.Of("allowance", ("contractId", contractId.ToString()), ("result", claimed ? "claimed" : "noneLeft")));
                if (!claimed) session = session with { Vars = session.Vars.SetItem("decision", "liveRouteWithPrice") };
                return Enter(session, step.Outcomes[claimed ? FlowActions.Claimed : FlowActions.NoneLeft].Target, prompts, fresh: true);
            }

            var sales = step.Action == FlowActions.DecideSales;
            var accountId = Guid.TryParse(session.Var("accountId"), out var a) ? a : (Guid?)null;
            if (accountId is null && !sales) throw new InvalidOperationException($"Step '{step.Id}' decides before the caller is identified.");
            var contract = Guid.TryParse(session.Var("contractId"), out var c) ? c : (Guid?)null;
            var severity = int.TryParse(session.Var("severity"), CultureInfo.InvariantCulture, out var s) ? s : (int?)null;
            var policy = rules.Policy ?? throw new InvalidOperationException($"Provider {session.Provider} has no policy to decide with.");
            Entitlement decided;
            if (sales) decided = EntitlementEngine.DecideSales(policy, facts.CallStartedAt);
            else
            {
                var snapshotRequest = new FactRequest.AccountSnapshot(accountId!.Value, contract);
                if (!Has<AccountSnapshotFact>(snapshotRequest, out var account)) return Missing(snapshotRequest);
                var contractInfo = account.Contract is { } k ? new ContractInfo(k.ContractNumber, k.StartsOn, k.EndsOn) : null;
                decided = EntitlementEngine.Decide(policy, new EntitlementRequest(account.Membership, facts.CallStartedAt, severity, contractInfo,
                    Allowance(policy, account.Contract), policy.Plan(account.Membership)?.ExamSessionTargets is null ? [] : account.ExamSessions));
            }
            var fact = EntitlementFact.Of(policy, decided);
            var e = fact.Entitlement;
            _events.Add(IvrEvent.Of("decision",
                ("decision", e.Decision.Name()), ("window", e.Window.Name()), ("holiday", e.Holiday), ("reason", e.Reason),
                ("policyVersion", e.PolicyVersion), ("usesIncluded", e.UsesIncluded ? "true" : "false"),
                ("ratePerHour", e.Price?.RatePerHour.Amount.ToString(CultureInfo.InvariantCulture)), ("currency", e.Price?.RatePerHour.Currency),
                ("callbackDueAt", InstantPattern.ExtendedIso.Format(e.CallbackDueAt)), ("clock", e.Clock == ClockKind.Wall ? "24x7" : "coverage"),
                ("target", e.Target?.ToString()), ("includedTalkMinutes", e.IncludedTalk is { } talk ? ((int)talk.TotalMinutes).ToString(CultureInfo.InvariantCulture) : null),
                ("priority", e.Routing.Priority.ToString(CultureInfo.InvariantCulture)),
                ("queueAllowed", e.Routing.QueueAllowed ? "true" : "false"), ("tamFirst", e.Routing.TamFirst ? "true" : "false"),
                ("severity", severity?.ToString(CultureInfo.InvariantCulture)), ("slaTarget", e.SlaTarget is { } sla ? SlaRecordRules.Iso(sla) : null)));
            var vars = session.Vars.SetItems(VarsOf(fact, Speech.For(session.Language)));
            if (e.SlaTarget is { } slaTarget && severity is { } slaSeverity)
                _effects.Add(new Effect.RecordSlaDecision(new CallSid(session.CallSid), session.Provider, accountId, session.Var("membership") ?? "", slaSeverity,
                    SlaRecordRules.Iso(slaTarget), e.Clock == ClockKind.Wall ? "24x7" : "coverage", e.CallbackDueAt, e.PolicyVersion ?? ""));
            return Enter(session with { Vars = vars }, step.Outcomes[e.Decision.Name()].Target, prompts, fresh: true);
        }

        /// <summary>
        /// <c>purchase</c>: the caller heard the option's price and pressed its key; buy it on the card on file (the
        /// purchase and its consent are recorded; the block is charged when the incident closes) and route, or say why not.
        /// </summary>
        private StepResult EnterPurchase(CallSession session, FlowStep step, ImmutableArray<Utterance> prompts)
        {
            var accountId = Guid.Parse(session.Var("accountId") ?? throw new InvalidOperationException($"Step '{step.Id}' buys before the caller is identified."));
            var option = int.Parse(step.Settings.GetValueOrDefault("option") ?? "1", CultureInfo.InvariantCulture);
            var rulesRequest = new FactRequest.CallPolicy(session.Provider);
            if (!Has<CallPolicyFact>(rulesRequest, out var rules)) return Missing(rulesRequest);
            var snapshotRequest = new FactRequest.AccountSnapshot(accountId, Guid.TryParse(session.Var("contractId"), out var c) ? c : null);
            if (!Has<AccountSnapshotFact>(snapshotRequest, out var account)) return Missing(snapshotRequest);
            var fact = Purchase(session, rules.Policy ?? throw new InvalidOperationException($"No policy for {session.Provider}."), account, option);
            if (!fact.Accepted)
            {
                _events.Add(IvrEvent.Of("purchase", ("option", option.ToString(CultureInfo.InvariantCulture)), ("result", "refused"), ("reason", fact.Refusal)));
                return Enter(session, step.Outcomes[FlowActions.Declined].Target, prompts.AddRange(Placeholder(session, BuiltInPrompts.PurchaseRefused)), fresh: true);
            }
            var minutes = fact.Minutes.ToString(CultureInfo.InvariantCulture);
            session = session with { Vars = session.Vars.SetItem("purchasedMinutes", minutes).SetItem("purchasePrice", Speech.For(session.Language).Money(fact.Price)) };
            _events.Add(IvrEvent.Of("consent", ("step", step.Id), ("key", option.ToString(CultureInfo.InvariantCulture)), ("decision", session.Var("decision")),
                ("prompt", $"{fact.Price.Spoken()} for {minutes} minutes, charged to the card on file; beyond that, {fact.RatePerHour.Spoken()} per hour in {session.Var("billingStep") ?? "half-hour"} steps"),
                ("price", fact.Price.Spoken()), ("channel", "phone"), ("minutes", minutes)));
            _events.Add(IvrEvent.Of("purchase", ("option", option.ToString(CultureInfo.InvariantCulture)), ("result", "bought"), ("minutes", minutes),
                ("amount", fact.Price.Amount.ToString(CultureInfo.InvariantCulture)), ("currency", fact.Price.Currency)));
            return Enter(session, step.Outcomes[FlowActions.Accepted].Target, prompts.AddRange(Placeholder(session, BuiltInPrompts.PurchaseAccepted)), fresh: true);
        }

        /// <summary>
        /// The included incidents of the contract year containing the call's answer: used (committed) and claimed, from the
        /// snapshot; null without contract terms in the policy or without an identified contract.
        /// </summary>
        private AllowanceSnapshot? Allowance(SupportPolicy policy, ContractSnapshot? contract)
        {
            if (contract is null || policy.Plans.Values.Select(p => p.Contract).FirstOrDefault(t => t is not null) is not { } terms) return null;
            var (start, end, _) = ContractYear.For(contract.StartsOn, facts.CallStartedAt, policy.Coverage.Zone);
            var use = contract.Uses.FirstOrDefault(u => u.ContractYearStart == start);
            return new AllowanceSnapshot(start, end, terms.IncludedIncidents, use?.Committed ?? 0, use?.Claimed ?? 0);
        }

        /// <summary>
        /// One included incident for this call, at the caller's consent: already held (a repeated webhook), or one left this
        /// contract year (claimed now; the claim re-counts under the contract's lock when saved, so parallel calls never take more
        /// than the included count).
        /// </summary>
        private bool Claim(CallSession session, SupportPolicy? policy, AccountSnapshotFact account)
        {
            if (account.Contract is not { } contract) return false;
            if (contract.CallHoldsClaim) return true;
            if (policy is null || Allowance(policy, contract) is not { Remaining: > 0 } allowance) return false;
            _effects.Add(new Effect.ClaimIncluded(contract.ContractId, allowance.ContractYearStart, new CallSid(session.CallSid), allowance.Included));
            return true;
        }

        /// <summary>The plan's purchase option at the window's rate, on the card on file (idempotent per call when saved).</summary>
        private PurchaseFact Purchase(CallSession session, SupportPolicy policy, AccountSnapshotFact account, int option)
        {
            var plan = policy.Plan(account.Membership);
            var window = session.Var("window") ?? "business";
            var rate = new Money(plan is not null && Windows.TryParse(window, out var w) ? plan.RatesPerHour.GetValueOrDefault(w) : 0, policy.Currency);
            if (plan is null || option < 1 || option > plan.PurchaseOptions.Length)
                return new PurchaseFact(false, 0, new Money(0, policy.Currency), rate, $"the plan has no purchase option {option}");
            var chosen = plan.PurchaseOptions[option - 1];
            var price = new Money(chosen.Price, policy.Currency);
            if (!account.CardOnFile) return new PurchaseFact(false, chosen.Minutes, price, rate, "no card on file");
            _effects.Add(new Effect.RecordPurchase(NewId(), new CallSid(session.CallSid), session.Provider, account.AccountId, option, window, chosen.Minutes, price, rate,
                session.Var("policyVersion") ?? policy.Version));
            return new PurchaseFact(true, chosen.Minutes, price, rate, null);
        }

        /// <summary>The decision's facts as call variables, spoken in the call's language (see <see cref="Speech"/>).</summary>
        private static Dictionary<string, string> VarsOf(EntitlementFact fact, Speech speech)
        {
            var e = fact.Entitlement;
            var vars = new Dictionary<string, string>
            {
                ["decision"] = e.Decision.Name(),
                ["policyVersion"] = e.PolicyVersion ?? "",
                ["window"] = e.Window.Name(),
                ["dueAt"] = speech.DueAt(e.CallbackDueAt.InZone(fact.Zone).LocalDateTime),
                ["hours"] = fact.WeeklyHours is { } weekly ? speech.Hours(weekly) : fact.Hours,
                ["webTicket"] = fact.WebTicketSpoken,
                ["callbackDueAt"] = InstantPattern.ExtendedIso.Format(e.CallbackDueAt),
                ["callbackCoverageOnly"] = e.Decision.IsLive() && e.Window != Window.Business ? "false" : "true",
                ["priority"] = e.Routing.Priority.ToString(CultureInfo.InvariantCulture),
                ["tamFirst"] = e.Routing.TamFirst ? "true" : "false",
                ["onCallOnly"] = e.Routing.OnCallOnly ? "true" : "false",
                ["queueAllowed"] = e.Routing.QueueAllowed && e.Decision.IsLive() ? "true" : "false",
            };
            if (e.Holiday is { } holiday) vars["holiday"] = holiday;
            if (e.Routing.Skill is { } skill) vars["skill"] = skill;
            if (e.Target is { } target)
            {
                vars["target"] = speech.Target(target);
                // Language-neutral, for the whisper (spoken in the technician's language).
                vars[target.BusinessDays > 0 ? "targetBusinessDays" : "targetMinutes"] =
                    (target.BusinessDays > 0 ? target.BusinessDays : (long)target.Duration.TotalMinutes).ToString(CultureInfo.InvariantCulture);
            }
            if (e.Price is { } price)
            {
                vars["price"] = speech.PerHour(price.RatePerHour);
                vars["stepPrice"] = speech.PerStep(price.StepPrice, price.Step);
                vars["billingStep"] = EntitlementEngine.StepText(price.Step); // the consent record's (English) wording
                vars["rateAmount"] = price.RatePerHour.Amount.ToString(CultureInfo.InvariantCulture);
                vars["rateCurrency"] = price.RatePerHour.Currency;
            }
            if (fact.HolidayRate is { } holidayRate) vars["holidayPrice"] = speech.Money(holidayRate);
            if (e.Allowance is { } allowance)
            {
                vars["includedTotal"] = allowance.Included.ToString(CultureInfo.InvariantCulture);
                vars["includedRemaining"] = allowance.Remaining.ToString(CultureInfo.InvariantCulture);
            }
            if (e.IncludedTalk is { } talk)
            {
                vars["includedTalk"] = speech.Duration(talk);
                vars["includedTalkMinutes"] = ((long)talk.TotalMinutes).ToString(CultureInfo.InvariantCulture);
            }
            if (e.PurchaseOptions.Length > 0)
                vars["purchaseOptions"] = string.Join(speech.Or, e.PurchaseOptions.Select(o =>
                    speech.PurchaseOption(new Money(o.Price, e.Price?.RatePerHour.Currency ?? "usd"), o.Minutes)));
            if (e.PurchaseOptions.Length > 0)
                vars["purchaseMenu"] = string.Join(" ", e.PurchaseOptions.Select((o, i) =>
                    speech.PurchaseMenuItem(new Money(o.Price, e.Price?.RatePerHour.Currency ?? "usd"), o.Minutes, i + 1)));
            return vars;
        }

        /// <summary>The caller accepted a price: which call, which prompt, which key, what price — the consent a charge cites.</summary>
        private IvrEvent Consent(CallSession session, FlowStep step) => IvrEvent.Of("consent",
            ("step", step.Id), ("key", "1"), ("decision", session.Var("decision")),
            ("prompt", string.Join(" ", Speak(session, step.Say).Select(u => u.Text))),
            ("price", session.Var("price")));
    }
}
