using NodaTime;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Domain.Tests.Calls;

/// <summary>The shipped policy files, parsed once.</summary>
internal static class ShippedPolicies
{
    private static readonly Lazy<PolicyCatalog> Catalog = new(() =>
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "ivr-flows");
        var (catalog, errors) = PolicyCatalog.Load(Directory.GetFiles(folder, "*.policy.yaml").Select(f => (Path.GetFileName(f), File.ReadAllText(f))));
        return catalog ?? throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
    });

    public static SupportPolicy For(string provider) => Catalog.Value.For(provider)!;

    public static SupportPolicy? Find(string provider) => Catalog.Value.For(provider);
}

/// <summary>
/// Plays the host's part for one call: calls <see cref="IvrEngine.Step"/> with no facts, answers every fact it asks for
/// from an in-memory table (unknown look-ups get no matches) and calls again until the engine advances — so
/// <see cref="Requests"/> is exactly what the step needed. With <see cref="Planned"/>, it first loads everything
/// <see cref="IvrEngine.Plan"/> names, as the service does, and counts the steps that still asked (<see cref="Unplanned"/>).
/// </summary>
internal sealed class CallDriver
{
    public const string KnownCaller = "+12025550123";
    public const string UnknownCaller = "+12025550999";

    public static readonly AccountFact Acme = new(
        Guid.Parse("0b9d6a7e-3f7c-4c1e-9a51-2f8c1f0e1a01"), "Acme Corp", "dedicated", "100200",
        new ContractFact(Guid.Parse("7c1e9a51-0b9d-4c1e-3f7c-2f8c1f0e1a02"), "5550001", new LocalDate(2025, 1, 1), new LocalDate(2026, 12, 31)));

    public static readonly AccountFact Jane = new(
        Guid.Parse("1a2b3c4d-0000-4000-8000-000000000003"), "Jane Doe", "member", "424242", null);

    private readonly Dictionary<FactRequest, IReadOnlyList<AccountFact>> _answers;

    public CallDriver(Flow flow, string from = UnknownCaller, Dictionary<FactRequest, IReadOnlyList<AccountFact>>? answers = null)
    {
        Flow = flow;
        _answers = answers ?? StandardAnswers(flow.Provider);
        Session = CallSession.Start("CA0123456789abcdef", flow.Id, flow.Provider, from, flow.Numbers[0], flow.Start, flow.DefaultLanguage);
    }

    public Flow Flow { get; }

    public CallSession Session { get; private set; }

    /// <summary>Every fact the engine asked for, in order.</summary>
    public List<FactRequest> Requests { get; } = [];

    /// <summary>The account lookups among <see cref="Requests"/> (not lockout checks, decisions or claims).</summary>
    public List<FactRequest> Lookups => [.. Requests.Where(r => r is FactRequest.AccountByContractNumber or FactRequest.AccountByNumber
        or FactRequest.AccountsByPhone or FactRequest.AccountsByUserName)];

    public static Dictionary<FactRequest, IReadOnlyList<AccountFact>> StandardAnswers(string provider) => new()
    {
        [new FactRequest.AccountByContractNumber(new ContractNumber("5550001"))] = [Acme],
        [new FactRequest.AccountByNumber(provider, "100200")] = [Acme],
        [new FactRequest.AccountByNumber(provider, "4711")] = [Acme],
        [new FactRequest.AccountsByPhone(provider, KnownCaller)] = [Acme],
        [new FactRequest.AccountsByUserName(provider, "janedoe")] = [Jane],
    };

    /// <summary>When the call is decided: a Wednesday 10:00 in New York, 16:00 in Zurich (business hours for both).</summary>
    public Instant At { get; init; } = Instant.FromUtc(2026, 7, 1, 14, 0);

    /// <summary>Whether the caller's number is locked out of identification.</summary>
    public bool LockedOut { get; init; }

    /// <summary>The technician free for a route step (none by default: routes fall through to their callback); the queue dispatcher's pick.</summary>
    public TechnicianFact? Technician { get; init; }

    /// <summary>Load the plan's facts before each step, as the service does.</summary>
    public bool Planned { get; init; }

    /// <summary>Facts a planned step still had to ask for (the plan missed them).</summary>
    public List<FactRequest> Unplanned { get; } = [];

    /// <summary>Every effect the steps asked for, in order.</summary>
    public List<Effect> Effects { get; } = [];

    /// <summary>Identification tries per call for a test provider without a shipped policy.</summary>
    public int MaxIdentificationTries { get; init; } = 10;

    /// <summary>The plan the shipped policy decides with (the test accounts' memberships are not policy plans).</summary>
    public string Plan { get; init; } = "";

    private static readonly Guid[] Ids = [.. Enumerable.Range(1, Facts.IdsPerStep).Select(i => Guid.Parse($"00000000-0000-4000-8000-0000000000{i:x2}"))];

    private object Answer(FactRequest request) => request switch
    {
        FactRequest.IdentificationLocked => new LockoutFact(LockedOut, LockedOut ? 3 : 0),
        FactRequest.AccountSnapshot s => Snapshot(s),
        FactRequest.TechnicianPool => new TechnicianPoolFact(
            Technician is { } t ? [new PoolTechnician(t.Id, t.Name, t.PhoneNumber, [], [], true, At - Duration.FromHours(1), 1)] : [],
            _input is CallerInput.QueueConnect or CallerInput.Replay && Technician is { } held ? new PoolTechnician(held.Id, held.Name, held.PhoneNumber, [], [], true, At, 2) : null,
            [], 3),
        FactRequest.CallPolicy p => ShippedPolicies.Find(p.Provider) is { } policy ? CallPolicyFact.Of(policy) : new CallPolicyFact(null, MaxIdentificationTries),
        _ => _answers.GetValueOrDefault(request) ?? [],
    };

    /// <summary>The test accounts decide on <see cref="Plan"/> (their memberships are not policy plans), without a contract's terms.</summary>
    private AccountSnapshotFact Snapshot(FactRequest.AccountSnapshot request) =>
        new(request.AccountId, Plan.Length > 0 ? Plan : Session.Provider == "constellix" ? "Corporate" : "Standard", null, false, null, []);

    private CallerInput? _input;

    public StepResult.Advanced Send(CallerInput input)
    {
        _input = input;
        var facts = new Facts(At, At, Ids);
        if (Planned)
        {
            var plan = IvrEngine.Plan(Flow, Session.Provider, Session.From, Session.StepId, input);
            foreach (var read in plan.Reads) facts.With(read, Answer(read));
            foreach (var match in plan.Reads.Select(Answer).OfType<IReadOnlyList<AccountFact>>().SelectMany(m => m))
                facts.With(new FactRequest.AccountSnapshot(match.AccountId, match.Contract?.ContractId), Snapshot(new(match.AccountId, match.Contract?.ContractId)));
            if (plan.AccountOfCall && Guid.TryParse(Session.Var("accountId"), out var account))
            {
                var own = new FactRequest.AccountSnapshot(account, Guid.TryParse(Session.Var("contractId"), out var c) ? c : null);
                facts.With(own, Snapshot(own));
            }
            if (plan.Pool) facts.With(new FactRequest.TechnicianPool(Session.Provider, Session.CallSid), Answer(new FactRequest.TechnicianPool(Session.Provider, Session.CallSid)));
        }
        for (var round = 0; round < 8; round++)
        {
            switch (IvrEngine.Step(Flow, Session, input, facts))
            {
                case StepResult.NeedFacts need:
                    Requests.Add(need.Request);
                    if (Planned) Unplanned.Add(need.Request);
                    facts = facts.With(need.Request, Answer(need.Request));
                    break;
                case StepResult.Advanced advanced:
                    Session = advanced.Session;
                    Effects.AddRange(advanced.Effects);
                    return advanced;
                default:
                    throw new InvalidOperationException("unexpected step result");
            }
        }
        throw new InvalidOperationException("the engine kept asking for facts");
    }

    public StepResult.Advanced Start() => Send(new CallerInput.CallStarted());

    public StepResult.Advanced Press(string digits, bool finishedOnKey = true) => Send(new CallerInput.KeysPressed(digits, finishedOnKey));

    public StepResult.Advanced Say(string speech) => Send(new CallerInput.SpeechHeard(speech, 0.9));

    public StepResult.Advanced Silence() => Send(new CallerInput.NoInput());

    public static string[] Texts(Instruction instruction) => [.. instruction.Say.Select(u => u.Text)];
}
