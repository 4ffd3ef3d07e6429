using NodaTime;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Tests.Flows;
using static PhoneSupport.Domain.Tests.Calls.CallDriver;

namespace PhoneSupport.Domain.Tests.Calls;

/// <summary>A message step keeps its promise: the engine asks the host to store the message with the callback or quote it promised.</summary>
public sealed class MessageStepTests
{
    private static readonly Instant FridayEvening = Instant.FromUtc(2026, 12, 5, 0, 0); // Friday 19:00 in New York (EST)

    [Fact]
    public void SalesMessage_AfterHours_IsStoredWithACallbackForTheSalesSkillDueAnHourAfterMondaysOpening()
    {
        var call = new CallDriver(ShippedFlows.Constellix) { At = FridayEvening };
        call.Start();
        Assert.IsType<Instruction.RecordMessage>(call.Press("1", false).Instruction);

        var done = call.Send(new CallerInput.RecordingDone("https://api.twilio.com/rec/RE7", 12, "RE7"));

        var store = Assert.Single(call.Effects.OfType<Effect.StoreMessage>());
        Assert.Equal((UnknownCaller, "sales", false, "RE7", 12, "message"), (store.Callback?.Number.Value, store.Callback?.Skill, store.Quote, store.RecordingSid, store.DurationSeconds, store.Callback?.Reason));
        Assert.Equal(Instant.FromUtc(2026, 12, 7, 15, 0), store.Callback?.DueAt); // Monday 10:00 New York
        Assert.Contains(done.Events, e => e.Kind == "messageStored" && e.Data.ContainsKey("callbackId") && e.Data["dueAt"] == "2026-12-07T15:00:00Z");
        Assert.Equal(CallPhase.Ended, done.Session.Phase);
    }

    [Fact]
    public void QuoteMessage_AfterHours_AsksForAQuoteAndNoCallbackYet()
    {
        var call = new CallDriver(ShippedFlows.Constellix, KnownCaller) { At = FridayEvening, Plan = "SmallBusiness" };
        call.Start();
        call.Press("3", false);
        call.Press("1", false); // "Press 1 if you are calling for Acme"
        var record = call.Press("1", false); // "To ask for a quote by text message, press 1."

        Assert.Contains("text you a quote", Assert.IsType<Instruction.RecordMessage>(record.Instruction).Say[^1].Text, StringComparison.Ordinal);
        var done = call.Send(new CallerInput.RecordingDone("https://api.twilio.com/rec/RE8", 30, "RE8"));

        var store = Assert.Single(call.Effects.OfType<Effect.StoreMessage>());
        Assert.True(store.Quote);
        Assert.Null(store.Callback);
        Assert.Equal(KnownCaller, store.From.Value);
        Assert.NotNull(store.AccountId);
        Assert.Contains("Reply YES to that text to accept it", Assert.IsType<Instruction.Hangup>(done.Instruction).Say.Single().Text, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatedRecordingAnswer_AfterTheMessage_StoresNothingMore()
    {
        var call = new CallDriver(ShippedFlows.Constellix) { At = FridayEvening };
        call.Start();
        call.Press("1", false);
        call.Send(new CallerInput.RecordingDone("https://api.twilio.com/rec/RE9", 5, "RE9"));

        var again = call.Send(new CallerInput.RecordingDone("https://api.twilio.com/rec/RE9", 5, "RE9"));

        Assert.Single(call.Effects.OfType<Effect.StoreMessage>());
        Assert.Empty(again.Events);
    }
}
