using System.Collections.Immutable;
using PhoneSupport.Domain.Flows;

namespace PhoneSupport.Domain.Calls;

/// <summary>
/// The reads a step may need, named before it runs so the host loads them in one round trip with the call itself:
/// <paramref name="Reads"/> (look-ups, the lockout, the policy), and the account snapshots and technician pool, which the
/// host finds through the call's row and the look-ups in the same round trip (their ids are not known before it).
/// </summary>
/// <param name="AccountOfCall">The snapshot of the account the call identified earlier (and its contract).</param>
/// <param name="AccountsMatched">The snapshots of the accounts the look-ups find.</param>
/// <param name="Pool">The provider's technician pool and the technician holding the call.</param>
public sealed record FactPlan(ImmutableHashSet<FactRequest> Reads, bool AccountOfCall, bool AccountsMatched, bool Pool)
{
    public static FactPlan Empty { get; } = new([], false, false, false);
}

public static partial class IvrEngine
{
    /// <summary>
    /// What a step on <paramref name="stepId"/> may read, from the flow and the input alone: every step it can pass through
    /// before the next wait for the caller is walked, so the plan covers each branch (a few cheap reads too many, never a round
    /// trip too few). A step still finding a fact missing answers <see cref="StepResult.NeedFacts"/>.
    /// </summary>
    public static FactPlan Plan(Flow flow, string provider, string from, string stepId, CallerInput input)
    {
        var planner = new Planner(flow, provider, from);
        planner.Reads.Add(new FactRequest.CallPolicy(provider));
        if (!flow.Steps.TryGetValue(stepId, out var step)) return planner.Result();
        switch (input)
        {
            case CallerInput.CallStarted:
                planner.Walk(flow.Start);
                break;
            case CallerInput.Replay:
                if (step.Kind is StepKind.Route or StepKind.Queue) planner.Pool = true;
                else if (!step.Kind.WaitsForCaller()) planner.Walk(step.Id);
                break;
            case CallerInput.TransferNotTaken:
                planner.WalkOutcome(step, FlowActions.Unavailable);
                break;
            default:
                planner.Answer(step, input);
                break;
        }
        return planner.Result();
    }

    private sealed class Planner(Flow flow, string provider, string from)
    {
        private readonly HashSet<string> _walked = [];

        public HashSet<FactRequest> Reads { get; } = [];
        public bool AccountOfCall { get; set; }
        public bool AccountsMatched { get; set; }
        public bool Pool { get; set; }

        public FactPlan Result() => new([.. Reads], AccountOfCall, AccountsMatched, Pool);

        public void Answer(FlowStep step, CallerInput input)
        {
            switch (step.Kind)
            {
                case StepKind.Menu:
                    var pressed = input is CallerInput.KeysPressed { Digits.Length: > 0 } keys ? step.Options.FirstOrDefault(o => o.Key == keys.Digits[..1]) : null;
                    if (pressed is not null) Walk(pressed.Next.Target);
                    if (step.OnFail is not null) Walk(step.OnFail.Target);
                    break;
                case StepKind.Language or StepKind.Confirm:
                    foreach (var exit in step.Exits()) Walk(exit.Target);
                    break;
                case StepKind.Collect:
                    if (Lookup(step, input, provider) is { } lookup)
                    {
                        Reads.Add(lookup);
                        Reads.Add(new FactRequest.IdentificationLocked(provider, from));
                        AccountsMatched = true;
                    }
                    foreach (var exit in step.Exits()) Walk(exit.Target);
                    break;
                case StepKind.Route when input is CallerInput.DialEnded:
                    Pool = true;
                    AccountOfCall = true; // the TAM, should the next technician be chosen
                    WalkOutcome(step, FlowActions.Unavailable);
                    break;
                case StepKind.Queue:
                    if (input is CallerInput.QueueConnect) Pool = true;
                    if (input is CallerInput.QueueLeft) WalkOutcome(step, FlowActions.Unavailable);
                    break;
            }
        }

        public void WalkOutcome(FlowStep step, string outcome)
        {
            if (step.Outcomes.TryGetValue(outcome, out var target)) Walk(target.Target);
        }

        /// <summary>Through the steps a webhook passes without waiting for the caller, collecting what each reads.</summary>
        public void Walk(string stepId)
        {
            if (!_walked.Add(stepId) || !flow.Steps.TryGetValue(stepId, out var step)) return;
            switch (step.Kind)
            {
                case StepKind.Say:
                    break;
                case StepKind.Action when step.Action == FlowActions.IdentifyByCallerId:
                    Reads.Add(new FactRequest.AccountsByPhone(provider, from));
                    AccountsMatched = true;
                    break;
                case StepKind.Action when step.Action is FlowActions.Decide or FlowActions.ClaimIncluded or FlowActions.Purchase:
                    AccountOfCall = true;
                    AccountsMatched = true; // identified in this very webhook
                    break;
                case StepKind.Route:
                    Pool = true;
                    AccountOfCall = true;
                    AccountsMatched = true;
                    break;
                case StepKind.Action or StepKind.Queue:
                    break;
                default:
                    return; // waits for the caller, or ends the call
            }
            foreach (var exit in step.Exits()) Walk(exit.Target);
        }


    }
}
