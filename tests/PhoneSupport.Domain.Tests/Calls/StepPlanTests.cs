using NodaTime;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Tests.Flows;
using static PhoneSupport.Domain.Tests.Calls.CallDriver;

namespace PhoneSupport.Domain.Tests.Calls;

/// <summary>
/// The plan names every fact a step reads before it runs (decision 017): whole calls through the shipped flows, each
/// step given only what <see cref="IvrEngine.Plan"/> named, never ask for another — so the service reads the call and its
/// facts in one round trip — and take the same turns as steps answered fact by fact.
/// </summary>
public sealed class StepPlanTests
{
    private static readonly TechnicianFact Dana = new(Guid.Parse("01a24426-947e-7e32-b965-1d962b5b5888"), "Dana Reyes", "+15550200001");

    public static TheoryData<string> Calls => ["contract, technician free", "contract, nobody free, callback", "member by caller ID, user name", "member, spoken user name",
        "sales message after hours", "constructor, German, severity, queue, leave", "contract, dial fails, next"];

    [Theory]
    [MemberData(nameof(Calls))]
    public void Planned_steps_never_ask_for_a_fact_and_take_the_same_turns(string script)
    {
        var planned = Play(script, planned: true);
        var asked = Play(script, planned: false);

        Assert.Empty(planned.Driver.Unplanned);
        Assert.Equal(asked.Steps, planned.Steps);
        Assert.Equal(asked.Driver.Effects.Select(Describe), planned.Driver.Effects.Select(Describe));
    }

    [Fact]
    public void A_contract_number_plans_its_lookup_the_lockout_and_the_snapshots_of_the_account_found_and_the_technicians()
    {
        var flow = ShippedFlows.Constellix;

        var plan = IvrEngine.Plan(flow, "constellix", UnknownCaller, "contract-number", new CallerInput.KeysPressed("5550001", true));

        Assert.Contains(new FactRequest.AccountByContractNumber(new ContractNumber("5550001")), plan.Reads);
        Assert.Contains(new FactRequest.IdentificationLocked("constellix", UnknownCaller), plan.Reads);
        Assert.True(plan.AccountsMatched);
        Assert.True(plan.Pool);
    }

    [Fact]
    public void A_menu_key_that_leads_to_a_question_plans_nothing_but_the_policy()
    {
        var plan = IvrEngine.Plan(ShippedFlows.Constellix, "constellix", UnknownCaller, "main-menu", new CallerInput.KeysPressed("2", false));

        Assert.Equal([new FactRequest.CallPolicy("constellix")], plan.Reads);
        Assert.False(plan.Pool || plan.AccountOfCall || plan.AccountsMatched);
    }

    /// <summary>An effect as text (a reservation's candidates are an array: compared by content).</summary>
    private static string Describe(Effect effect) => effect is Effect.ReserveTechnician r
        ? $"reserve {r.Key} [{string.Join(", ", r.Candidates)}] tam {r.Tam}"
        : effect.ToString();

    private static (CallDriver Driver, List<string> Steps) Play(string script, bool planned)
    {
        var evening = Instant.FromUtc(2026, 12, 5, 0, 0);
        var call = script switch
        {
            "contract, technician free" or "contract, dial fails, next" => new CallDriver(ShippedFlows.Constellix) { Technician = Dana, Planned = planned },
            "member by caller ID, user name" => new CallDriver(ShippedFlows.Constellix, KnownCaller) { Planned = planned },
            "sales message after hours" => new CallDriver(ShippedFlows.Constellix) { At = evening, Planned = planned },
            "constructor, German, severity, queue, leave" => new CallDriver(ShippedFlows.Constructor) { Planned = planned },
            _ => new CallDriver(ShippedFlows.Constellix) { Planned = planned },
        };
        var steps = new List<StepResult.Advanced> { call.Start() };
        switch (script)
        {
            case "contract, technician free":
                steps.Add(call.Press("2", false));
                steps.Add(call.Press("5550001"));
                steps.Add(call.Send(new CallerInput.DialEnded(true, "completed", 600, "CA-leg")));
                break;
            case "contract, dial fails, next":
                steps.Add(call.Press("2", false));
                steps.Add(call.Press("5550001"));
                steps.Add(call.Send(new CallerInput.DialEnded(false, "no-answer", null)));
                break;
            case "contract, nobody free, callback":
                steps.Add(call.Press("2", false));
                steps.Add(call.Press("5550001"));
                steps.Add(call.Press("1"));
                break;
            case "member by caller ID, user name":
                steps.Add(call.Press("3", false));
                steps.Add(call.Press("2", false));
                steps.Add(call.Say("Jane Dot Doe"));
                break;
            case "member, spoken user name":
                steps.Add(call.Press("3", false));
                steps.Add(call.Say("Jane Dot Doe"));
                steps.Add(call.Press("1", false));
                break;
            case "sales message after hours":
                steps.Add(call.Press("1", false));
                steps.Add(call.Send(new CallerInput.RecordingDone("https://api.twilio.com/rec/RE7", 12, "RE7")));
                break;
            case "constructor, German, severity, queue, leave":
                steps.Add(call.Press("2", false));
                steps.Add(call.Press("4711"));
                steps.Add(call.Press("3", false));
                steps.Add(call.Send(new CallerInput.QueueLeft("leave")));
                break;
        }
        return (call, [.. steps.Select(s => $"{s.Session.StepId} {s.Session.Sequence} {s.Session.Phase} {s.Instruction.GetType().Name} {string.Join(" ", s.Instruction.Say.Select(u => u.Text))}")]);
    }
}
