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
            if (step.Action == FlowActions.ClaimIncluded)
            {
                var contractId = Guid.Parse(session.Var("contractId") ?? throw new InvalidOperationException($"Step '{step.Id}' claims an included incident, but no contract was identified."));
                var claimed = Need<bool>(new FactRequest.ClaimIncluded(contractId, session.CallSid));
                _events.Add(IvrEvent.Of("allowance", ("contractId", contractId.ToString()), ("result", claimed ? "claimed" : "noneLeft")));
                if (!claimed) session = session with { Vars = session.Vars.SetItem("decision", "liveRouteWithPrice") };
                return Enter(session, step.Outcomes[claimed ? FlowActions.Claimed : FlowActions.NoneLeft].Target, prompts, fresh: true);
            }

            var sales = step.Action == FlowActions.DecideSales;
            var accountId = Guid.TryParse(session.Var("accountId"), out var a) ? a : (Guid?)null;
            if (accountId is null && !sales) throw new InvalidOperationException($"Step '{step.Id}' decides before the caller is identified.");
            var contract = Guid.TryParse(session.Var("contractId"), out var c) ? c : (Guid?)null;
            var severity = int.TryParse(session.Var("severity"), CultureInfo.InvariantCulture, out var s) ? s : (int?)null;
            var fact = Need<EntitlementFact>(new FactRequest.Entitlement(session.Provider, accountId, contract, severity, sales));
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
            var fact = Need<PurchaseFact>(new FactRequest.Purchase(session.CallSid, session.Provider, accountId, option));
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

        /// <summary>The decision's facts as call variables, spoken in the call's language (see <see cref="Speech"/>).</summary>
        private static Dictionary<string, string> VarsOf(EntitlementFact fact, Speech speech)
        {
            var e = fact.Entitlement;
            var vars = new Dictionary<string, string>
            {
                ["decision"] = e.Decision.Name(),
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
