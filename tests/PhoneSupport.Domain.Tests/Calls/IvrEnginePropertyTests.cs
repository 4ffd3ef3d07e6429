using FsCheck;
using FsCheck.Fluent;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Tests.Flows;

namespace PhoneSupport.Domain.Tests.Calls;

public sealed class IvrEnginePropertyTests
{
    private static readonly Gen<CallerInput> Keys =
        from length in Gen.Choose(0, 14)
        from keys in Gen.ArrayOf(Gen.Elements("0123456789*#".ToCharArray()), length)
        from finished in Gen.Elements(true, false)
        select (CallerInput)new CallerInput.KeysPressed(new string(keys), finished);

    private static readonly Gen<CallerInput> KnownKeys =
        Gen.Elements("1", "2", "3", "5550001", "100200")
            .Select(k => (CallerInput)new CallerInput.KeysPressed(k, true));

    private static readonly Gen<CallerInput> Speech =
        Gen.Elements("Jane Dot Doe", "jane doe", "", "dot", "John Smith", "Jäne Döe", "one two three")
            .Select(s => (CallerInput)new CallerInput.SpeechHeard(s, 0.5));

    private static readonly Gen<CallerInput> Input = Gen.Frequency(
        (5, Keys),
        (4, KnownKeys),
        (2, Gen.Constant<CallerInput>(new CallerInput.NoInput())),
        (2, Speech),
        (1, Gen.Constant<CallerInput>(new CallerInput.Replay())),
        (1, Gen.Constant<CallerInput>(new CallerInput.RecordingDone(null, null))));

    private static readonly Gen<(bool KnownCaller, CallerInput[] Inputs)> Calls =
        from known in Gen.Elements(true, false)
        from inputs in Gen.ListOf(Input).Select(list => list.ToArray())
        select (known, inputs);

    [Fact]
    public void Step_RandomCallerInputsOnConstellix_NeverThrowsAndHangsUpOnlyWhenEnded()
    {
        var flow = ShippedFlows.Constellix;
        var property = Prop.ForAll(Calls.ToArbitrary(), call => Holds(flow, call.KnownCaller, call.Inputs));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300).WithEndSize(30), property);
    }

    private static bool Holds(Flow flow, bool knownCaller, CallerInput[] inputs)
    {
        var call = new CallDriver(flow, knownCaller ? CallDriver.KnownCaller : CallDriver.UnknownCaller);
        var sequence = call.Session.Sequence;
        var ended = false;
        foreach (var input in inputs.Prepend(new CallerInput.CallStarted()))
        {
            var result = call.Send(input);
            var session = result.Session;
            if (result.Instruction is null || session.Sequence < sequence) return false;
            if (result.Instruction is Instruction.Hangup && session.Phase != CallPhase.Ended && !flow.Step(session.StepId).Kind.IsTerminal()) return false;
            if (ended && (session.Phase != CallPhase.Ended || result.Instruction is not Instruction.Hangup)) return false;
            if (result.Instruction is Instruction.Ask && !flow.Step(session.StepId).Kind.WaitsForCaller() && flow.Step(session.StepId).Kind != StepKind.Callback) return false;
            sequence = session.Sequence;
            ended = session.Phase == CallPhase.Ended;
        }
        return true;
    }
}
