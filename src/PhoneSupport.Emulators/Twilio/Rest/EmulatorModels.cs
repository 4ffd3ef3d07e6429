using System.Text;

namespace PhoneSupport.Emulators.Twilio.Rest;

/// <summary>The REST endpoints the emulator serves (faults are queued per endpoint).</summary>
public enum TwilioEndpoint
{
    /// <summary><c>POST /2010-04-01/Accounts/{AccountSid}/Calls.json</c></summary>
    CreateCall,
    /// <summary><c>POST …/Calls/{CallSid}.json</c></summary>
    UpdateCall,
    /// <summary><c>GET …/Calls/{CallSid}.json</c></summary>
    FetchCall,
    /// <summary><c>GET …/Calls.json</c></summary>
    ListCalls,
    /// <summary><c>POST …/Messages.json</c></summary>
    CreateMessage,
}

/// <summary>One HTTP request the emulator received, as it arrived on the wire.</summary>
public sealed class EmulatorRequest
{
    public required string Method { get; init; }

    public required string Path { get; init; }

    /// <summary>Query parameters in order (repeated names kept).</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Query { get; init; }

    /// <summary>Form parameters in order (repeated names kept).</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Form { get; init; }

    /// <summary>The raw <c>Authorization</c> header.</summary>
    public string? Authorization { get; init; }

    /// <summary>The raw <c>Content-Type</c> header.</summary>
    public string? ContentType { get; init; }

    /// <summary>The raw <c>Accept</c> header.</summary>
    public string? Accept { get; init; }

    public string? UserAgent { get; init; }

    /// <summary>Arrival time on the emulator's <see cref="TwilioEmulatorOptions.TimeProvider"/>.</summary>
    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Null when the path is not one the emulator serves.</summary>
    public TwilioEndpoint? Endpoint { get; init; }

    /// <summary>The HTTP status answered; null while the answer is still pending (a delayed request).</summary>
    public int? ResponseStatus { get; internal set; }

    /// <summary>The first form (or else query) value named <paramref name="name"/>.</summary>
    public string? this[string name] => All(name).FirstOrDefault();

    /// <summary>Every form value named <paramref name="name"/>, or else every query value.</summary>
    public IReadOnlyList<string> All(string name)
    {
        var values = Form.Where(p => p.Key == name).Select(p => p.Value).ToList();
        return values.Count > 0 ? values : Query.Where(p => p.Key == name).Select(p => p.Value).ToList();
    }

    /// <summary>The user and password of a Basic <c>Authorization</c> header; null when there is none.</summary>
    public (string User, string Password)? BasicCredentials
    {
        get
        {
            const string prefix = "Basic ";
            if (Authorization is null || !Authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            try
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(Authorization[prefix.Length..].Trim()));
                var colon = text.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? null : (text[..colon], text[(colon + 1)..]);
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}

/// <summary>A call the emulator knows: created through <c>Calls.json</c>, or registered with <see cref="TwilioEmulator.TrackCall"/>.</summary>
public sealed class EmulatedCall
{
    private readonly List<IReadOnlyList<KeyValuePair<string, string>>> _updates = [];

    public required string Sid { get; init; }

    public required string AccountSid { get; init; }

    public required string To { get; init; }

    public required string From { get; init; }

    /// <summary><c>outbound-api</c> for created calls.</summary>
    public required string Direction { get; init; }

    /// <summary>The create request's form, exactly as received (empty for tracked calls).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];

    public required DateTimeOffset DateCreated { get; init; }

    /// <summary>Seconds to let it ring (<c>Timeout</c>, default 60).</summary>
    public int Timeout { get; init; } = 60;

    public string? Url { get; internal set; }

    public string Method { get; internal set; } = "POST";

    public string? Twiml { get; internal set; }

    public string? StatusCallback { get; internal set; }

    public string StatusCallbackMethod { get; internal set; } = "POST";

    /// <summary>The events posted to <see cref="StatusCallback"/> (default <c>completed</c>).</summary>
    public IReadOnlyList<string> StatusCallbackEvents { get; internal set; } = ["completed"];

    public string Status { get; internal set; } = "queued";

    public DateTimeOffset DateUpdated { get; internal set; }

    public DateTimeOffset? StartTime { get; internal set; }

    public DateTimeOffset? EndTime { get; internal set; }

    /// <summary>Seconds from answer to hang-up, once over.</summary>
    public int? Duration { get; internal set; }

    /// <summary>How many of <see cref="Updates"/> <see cref="TwilioEmulator.TakeRedirect"/> has looked at.</summary>
    internal int UpdatesTaken { get; set; }

    /// <summary>The update requests' forms, in order.</summary>
    public IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> Updates
    {
        get
        {
            lock (_updates)
            {
                return _updates.ToList();
            }
        }
    }

    /// <summary>How the emulator played the call, once it has (see <see cref="TwilioEmulator.RunCallAsync"/>).</summary>
    public CallResult? Result { get; internal set; }

    internal void AddUpdate(IReadOnlyList<KeyValuePair<string, string>> form)
    {
        lock (_updates)
        {
            _updates.Add(form);
        }
    }

    internal bool IsOver => Status is "completed" or "busy" or "failed" or "no-answer" or "canceled";
}

/// <summary>A message received through <c>Messages.json</c>.</summary>
public sealed record EmulatedMessage(
    string Sid, string To, string? From, string? MessagingServiceSid, string Body, string? StatusCallback, string Status,
    DateTimeOffset DateCreated, IReadOnlyList<KeyValuePair<string, string>> Parameters);

/// <summary>Whether a called phone is picked up.</summary>
public enum PickUp
{
    Answers,
    NoAnswer,
    Busy,
}

/// <summary>
/// How a phone number behaves when the emulator calls it: as the destination of a created call (picks up, then
/// <see cref="Script"/> answers its gathers) or when reached by a <c>&lt;Dial&gt;</c> inside such a call (picks up,
/// accepts a whisper with key 1, and talks for <see cref="TalkTime"/>).
/// </summary>
public sealed class CalledParty
{
    /// <summary>Picks up and presses <paramref name="keys"/>, one entry per gather (<c>""</c> = silence).</summary>
    public static CalledParty Pressing(params string[] keys) => new() { Script = () => ScriptedCaller.Keys(keys) };

    /// <summary>Picks up when dialled and talks for <paramref name="talkTime"/>.</summary>
    public static CalledParty Talking(TimeSpan talkTime) => new() { TalkTime = talkTime };

    public static CalledParty NotAnswering() => new() { PickUp = PickUp.NoAnswer };

    public static CalledParty BusyLine() => new() { PickUp = PickUp.Busy };

    public PickUp PickUp { get; init; } = PickUp.Answers;

    /// <summary>A fresh script per call, answering the gathers on the call's own leg (default: silent).</summary>
    public Func<ICallerScript> Script { get; init; } = () => ScriptedCaller.Keys();

    /// <summary>How long the phone rings before it is picked up.</summary>
    public TimeSpan RingTime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Talk time once bridged by a <c>&lt;Dial&gt;</c>.</summary>
    public TimeSpan TalkTime { get; init; } = TimeSpan.FromMinutes(5);

    internal TechnicianAnswer AsDialAnswer() => PickUp switch
    {
        PickUp.NoAnswer => TechnicianAnswer.NoAnswer,
        PickUp.Busy => TechnicianAnswer.Busy,
        _ => TechnicianAnswer.Accept(TalkTime),
    };
}
