using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Flows;

namespace PhoneSupport.Features.Voice;

/// <summary>
/// One load, one pure step, one save (decision 017): the call and the facts its step may need in one round trip
/// (<see cref="CallStepReader"/>), the pure <see cref="IvrEngine.Step"/>, and the new state with its log entries and effects
/// in one more, committed (<see cref="CallStepWriter"/>). A premise that changed meanwhile (a technician taken, the last
/// included incident claimed, a failure recorded for the number) is a conflict: the step is taken again on fresh facts. A
/// call another instance advanced first (a duplicate webhook) is answered as it stands now.
/// </summary>
public sealed class CallSteps(
    PhoneSupportDb db, FlowCatalog flows, CallStepReader reader, CallStepWriter writer, FactsLoader names, Messages.MessageService messages,
    Billing.PurchaseService purchases, IClock clock, ILogger<CallSteps> logger)
{
    private const int MaxAttempts = 12;

    /// <summary>What the caller is told next, and the call's state after the step.</summary>
    public sealed record Taken(CallSession Session, Instruction Instruction);

    /// <summary>
    /// Takes the step <paramref name="inputFor"/> answers for the call as read (null: no such call). <paramref name="plan"/>:
    /// the facts to read with the call (null: planned from the call once read, one round trip more).
    /// </summary>
    public async Task<Taken?> TakeAsync(string callSid, FactPlan? plan, string provider, Func<CallRecord, CallerInput> inputFor, IvrEvent webhook, CancellationToken ct)
    {
        var replay = false;
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetCurrentInstant();
            var read = await reader.ReadAsync(callSid, plan ?? FactPlan.Empty, provider, now, withCall: true, ct, attempt);
            StepOutcome? outcome = null;
            CallRecord? record = null;
            var result = new CallStepWriter.Written(CallStepWriter.Outcome.Saved, null);
            try
            {
                if (read.Call is null) return null;
                record = read.Call;
                var flow = flows.ById(record.FlowId) ?? throw new InvalidOperationException($"Call {callSid} is on flow {record.FlowId}, which is no longer loaded.");
                var input = replay ? new CallerInput.Replay() : inputFor(record);
                if (plan is null && input is not CallerInput.Replay)
                    await reader.LoadAsync(read, IvrEngine.Plan(flow, record.Provider, record.FromNumber, record.Step, input), callSid, ct);
                outcome = await StepAsync(read, flow, record.ToSession(), input, ct);
                if (input is CallerInput.Replay)
                {
                    if (read.Owned) await read.Transaction.RollbackAsync(ct); // read only
                    return new Taken(outcome.Session, outcome.Instruction);
                }
                result = await SaveAsync(read, record, outcome, webhook, now, isNew: false, ct);
            }
            finally
            {
                await ReleaseAsync(read);
            }
            switch (result.Outcome)
            {
                case CallStepWriter.Outcome.Saved:
                    return Reserved(outcome!, result.Reserved);
                case CallStepWriter.Outcome.CallMoved:
                    replay = true; // another instance advanced this call first: say what it says now
                    break;
                default:
                    if (attempt >= MaxAttempts) throw new InvalidOperationException($"Call {callSid}: the step's premises changed {attempt} times in a row.");
                    logger.LogInformation("Call {CallSid}: a premise of the step changed before it was saved ({Why}; attempt {Attempt}); taking it again",
                        callSid, result.Why, attempt);
                    break;
            }
        }
    }

    /// <summary>
    /// A new call's first step, its effects and its row in one transaction (the common case, a first step with nothing to read
    /// or change, is <see cref="CallStartWriter"/>'s one statement). Null: the call was recorded already (a retried webhook).
    /// </summary>
    public async Task<Taken?> StartAsync(Flow flow, CallSession session, IvrEvent webhook, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetCurrentInstant();
            var read = await reader.ReadAsync(session.CallSid, IvrEngine.Plan(flow, flow.Provider, session.From, flow.Start, new CallerInput.CallStarted()), flow.Provider, now,
                withCall: false, ct, attempt);
            StepOutcome outcome;
            CallRecord record;
            CallStepWriter.Written result;
            try
            {
                outcome = await StepAsync(read, flow, session, new CallerInput.CallStarted(), ct);
                record = CallRecord.Start(outcome.Session, now);
                result = await SaveAsync(read, record, outcome, webhook, now, isNew: true, ct);
            }
            finally
            {
                await ReleaseAsync(read);
            }
            if (result.Outcome == CallStepWriter.Outcome.Saved) return Reserved(outcome, result.Reserved);
            if (result.Outcome == CallStepWriter.Outcome.CallMoved) return null;
            if (attempt >= MaxAttempts) throw new InvalidOperationException($"Call {session.CallSid}: the first step's premises changed {attempt} times in a row.");
        }
    }

    /// <summary>The pure step, with any fact it still asks for read in the same transaction (a round trip each; logged).</summary>
    public async Task<StepOutcome> StepAsync(CallStepReader.Read read, Flow flow, CallSession session, CallerInput input, CancellationToken ct)
    {
        for (var round = 0; round <= 16; round++)
        {
            switch (IvrEngine.Step(flow, session, input, read.Facts))
            {
                case StepResult.Advanced advanced:
                    return advanced.Outcome;
                case StepResult.NeedFacts need:
                    logger.LogDebug("Call {CallSid}: the plan did not foresee {Fact}; reading it", session.CallSid, need.Request);
                    if (need.Request is FactRequest.AccountsByUserName byName) read.Facts.With(byName, await names.ByUserNameAsync(byName, ct));
                    else await reader.LoadAsync(read, need.Request, session.CallSid, ct);
                    if (!read.Facts.TryGet<object>(need.Request, out _))
                        throw new InvalidOperationException($"Call {session.CallSid}: no answer to {need.Request} (no policy for the provider, or the account is gone).");
                    break;
            }
        }
        throw new InvalidOperationException($"Call {session.CallSid}: the engine asked for facts 16 times in one webhook.");
    }

    private async Task<CallStepWriter.Written> SaveAsync(CallStepReader.Read read, CallRecord record, StepOutcome outcome, IvrEvent webhook, Instant now, bool isNew,
        CancellationToken ct)
    {
        var readVersion = isNew ? (int?)null : record.Version;
        if (!isNew) record.Apply(outcome.Session, now);
        var events = new List<IvrEvent> { webhook };
        foreach (var e in outcome.Events)
        {
            events.Add(e);
            if (e.Kind == "decision") record.Entitlement = JsonSerializer.Serialize(e.Data);
        }
        // Effects their own features carry out, in this transaction (messages and purchases: rare; EF Core's unit of work).
        foreach (var effect in outcome.Effects)
            switch (effect)
            {
                case Effect.StoreMessage message:
                    var stored = await messages.StoreAsync(message, ct);
                    var i = events.FindIndex(e => e.Kind == "messageStored");
                    if (i >= 0)
                        events[i] = IvrEvent.Of("messageStored", ("messageId", stored.Id.ToString()), ("callbackId", stored.CallbackId?.ToString()),
                            ("dueAt", stored.CallbackDueAt is { } at ? NodaTime.Text.InstantPattern.ExtendedIso.Format(at) : null), ("quoteId", stored.QuoteId?.ToString()));
                    break;
                case Effect.RecordPurchase purchase:
                    await purchases.RecordOnCallAsync(purchase, ct);
                    break;
            }
        var rows = events.Select(e => CallEventRecord.From(record.CallSid, now, e)).ToList();
        var result = await writer.WriteAsync(read.Transaction, read.Owned, record, readVersion, rows, outcome.Effects, now, ct);
        if (result.Outcome != CallStepWriter.Outcome.Saved) db.ChangeTracker.Clear();
        return result;
    }

    /// <summary>
    /// The step as saved: when the technician it chose had been taken by a parallel call, the reservation took the next free one
    /// (<see cref="Effect.ReserveTechnician"/>) and the caller is connected to that one.
    /// </summary>
    private static Taken Reserved(StepOutcome outcome, TechnicianFact? reserved)
    {
        if (reserved is null || outcome.Instruction is not Instruction.Dial dial || dial.Technician.Id == reserved.Id)
            return new Taken(outcome.Session, outcome.Instruction);
        var session = outcome.Session with { Vars = outcome.Session.Vars.SetItem("reservedTechnician", reserved.Id.ToString()) };
        return new Taken(session, dial with { Technician = reserved });
    }

    private async Task ReleaseAsync(CallStepReader.Read read)
    {
        db.Database.AutoSavepointsEnabled = read.SavepointsWere;
        if (read.Owned)
        {
            db.Database.UseTransaction(null);
            await read.Transaction.DisposeAsync();
        }
        await db.Database.CloseConnectionAsync();
    }
}
