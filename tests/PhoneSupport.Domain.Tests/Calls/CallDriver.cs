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
/// Plays the host's part for one call: calls <see cref="IvrEngine.Step"/>, answers every fact request from an
/// in-memory table (unknown requests get no matches) and calls again until the engine advances.
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
        [new FactRequest.AccountByContractNumber("5550001")] = [Acme],
        [new FactRequest.AccountByNumber(provider, "100200")] = [Acme],
        [new FactRequest.AccountByNumber(provider, "4711")] = [Acme],
        [new FactRequest.AccountsByPhone(provider, KnownCaller)] = [Acme],
        [new FactRequest.AccountsByUserName(provider, "janedoe")] = [Jane],
    };

    /// <summary>When the call is decided: a Wednesday 10:00 in New York, 16:00 in Zurich (business hours for both).</summary>
    public Instant At { get; init; } = Instant.FromUtc(2026, 7, 1, 14, 0);

    /// <summary>Whether the caller's number is locked out of identification.</summary>
    public bool LockedOut { get; init; }

    /// <summary>The technician a route step reserves (none by default: routes fall through to their callback).</summary>
    public TechnicianFact? Technician { get; init; }

    /// <summary>Whether claiming an included incident succeeds.</summary>
    public bool ClaimSucceeds { get; init; } = true;

    /// <summary>Identification tries per call for a test provider without a shipped policy.</summary>
    public int MaxIdentificationTries { get; init; } = 10;

    /// <summary>The plan the shipped policy decides with (the test accounts' memberships are not policy plans).</summary>
    public string Plan { get; init; } = "";

    private object Answer(FactRequest request) => request switch
    {
        FactRequest.IdentificationLocked => LockedOut,
        FactRequest.ClaimIncluded => ClaimSucceeds,
        FactRequest.Entitlement e => Entitlement(e),
        FactRequest.ReserveTechnician => new ReservationFact(Technician),
        FactRequest.Enqueue => true,
        FactRequest.CallPolicy p => ShippedPolicies.Find(p.Provider) is { } policy ? CallPolicyFact.Of(policy) : new CallPolicyFact(null, MaxIdentificationTries),
        FactRequest.StoreMessage m => new MessageFact(Guid.Parse("00000000-0000-4000-8000-0000000000ee"), m.CallbackNumber is null ? null : Guid.Parse("00000000-0000-4000-8000-0000000000cb"), m.DueAt, null),
        FactRequest.ScheduleCallback c => new CallbackFact(Guid.Parse("00000000-0000-4000-8000-0000000000cb"), c.DueAt ?? At + Duration.FromHours(1), At, DateTimeZone.Utc),
        _ => _answers.GetValueOrDefault(request) ?? [],
    };

    private EntitlementFact Entitlement(FactRequest.Entitlement request)
    {
        var policy = ShippedPolicies.For(request.Provider);
        var plan = Plan.Length > 0 ? Plan : request.Provider == "constellix" ? "Corporate" : "Standard";
        var entitlement = request.Sales
            ? EntitlementEngine.DecideSales(policy, At)
            : EntitlementEngine.Decide(policy, new EntitlementRequest(plan, At, request.Severity));
        return new EntitlementFact(entitlement, null, policy.Coverage.SpokenHours(), policy.WebTicket.Spoken, policy.Coverage.Zone);
    }

    public StepResult.Advanced Send(CallerInput input)
    {
        var facts = Facts.None;
        for (var round = 0; round < 8; round++)
        {
            switch (IvrEngine.Step(Flow, Session, input, facts))
            {
                case StepResult.NeedFacts need:
                    Requests.Add(need.Request);
                    facts = facts.With(need.Request, Answer(need.Request));
                    break;
                case StepResult.Advanced advanced:
                    Session = advanced.Session;
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
