using System.Globalization;
using System.Text.RegularExpressions;

namespace PhoneSupport.Twilio;

/// <summary><c>CallStatus</c> as sent by Twilio (<c>in-progress</c>, <c>no-answer</c>, …).</summary>
public enum CallStatus
{
    Queued,
    Initiated,
    Ringing,
    InProgress,
    Completed,
    Busy,
    Failed,
    NoAnswer,
    Canceled,
    Unknown,
}

/// <summary><c>DialCallStatus</c> on a <c>&lt;Dial action&gt;</c> request.</summary>
public enum DialCallStatus
{
    Completed,
    Answered,
    Busy,
    NoAnswer,
    Failed,
    Canceled,
    Unknown,
}

/// <summary>
/// A Twilio voice webhook (incoming call, Gather/Dial/Record/Enqueue action, status callback), translated at the
/// edge from the form fields. Lenient: unknown keys are ignored (but kept in <see cref="Raw"/>), an absent field
/// is null, and a value that does not parse becomes null (or <c>Unknown</c> for statuses).
/// </summary>
public sealed partial record VoiceRequest
{
    public string? CallSid { get; init; }
    public string? AccountSid { get; init; }

    /// <summary>E.164 (<c>+16175551212</c>) or <c>client:name</c>.</summary>
    public string? From { get; init; }
    public string? To { get; init; }

    /// <summary><see cref="CallStatus.Unknown"/> when absent or unrecognised.</summary>
    public CallStatus CallStatus { get; init; } = CallStatus.Unknown;

    /// <summary><c>inbound</c>, <c>outbound-api</c> or <c>outbound-dial</c>.</summary>
    public string? Direction { get; init; }

    /// <summary>Set on child legs, e.g. the leg a <c>&lt;Number url&gt;</c> whisper runs on.</summary>
    public string? ParentCallSid { get; init; }

    /// <summary>Keys pressed in a Gather (without the finish key), or <c>hangup</c> after a Record.</summary>
    public string? Digits { get; init; }
    public string? FinishedOnKey { get; init; }
    public string? SpeechResult { get; init; }

    /// <summary>Speech recognition confidence, 0.0 to 1.0.</summary>
    public double? Confidence { get; init; }

    /// <summary>Null when the request is not a Dial action.</summary>
    public DialCallStatus? DialCallStatus { get; init; }
    public string? DialCallSid { get; init; }

    /// <summary>Seconds.</summary>
    public int? DialCallDuration { get; init; }
    public bool? DialBridged { get; init; }

    /// <summary>Seconds, on the terminal status callback.</summary>
    public int? CallDuration { get; init; }

    /// <summary>Status callback order per call leg, starting at 0.</summary>
    public int? SequenceNumber { get; init; }

    /// <summary>Status callback time, sent as RFC 2822 (<c>Sun, 25 Mar 2018 09:53:19 +0000</c>).</summary>
    public DateTimeOffset? Timestamp { get; init; }
    public string? RecordingUrl { get; init; }

    /// <summary>Seconds.</summary>
    public int? RecordingDuration { get; init; }

    /// <summary><c>bridged</c>, <c>hangup</c>, <c>leave</c>, <c>queue-full</c>, … (kept as sent).</summary>
    public string? QueueResult { get; init; }

    /// <summary>Seconds the caller spent in the queue.</summary>
    public int? QueueTime { get; init; }

    /// <summary>Every field as received; repeated fields are joined with commas.</summary>
    public IReadOnlyDictionary<string, string> Raw { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Whether the dialled leg was bridged (talked): <c>DialBridged</c> when Twilio sends it, otherwise a completed or
    /// answered dial with some talk time.
    /// </summary>
    public bool DialWasBridged => DialBridged ?? DialCallStatus is Twilio.DialCallStatus.Completed or Twilio.DialCallStatus.Answered && DialCallDuration > 0;

    /// <summary>Whether <see cref="CallStatus"/> is final: completed, busy, failed, no-answer or canceled.</summary>
    public bool CallEnded => CallStatus is Twilio.CallStatus.Completed or Twilio.CallStatus.Busy or Twilio.CallStatus.Failed
        or Twilio.CallStatus.NoAnswer or Twilio.CallStatus.Canceled;

    public static VoiceRequest FromForm(IFormCollection form)
    {
        ArgumentNullException.ThrowIfNull(form);
        var raw = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in form)
        {
            raw[name] = values.ToString();
        }

        string? Get(string name) => raw.GetValueOrDefault(name);

        return new VoiceRequest
        {
            CallSid = Get("CallSid"),
            AccountSid = Get("AccountSid"),
            From = Get("From"),
            To = Get("To"),
            CallStatus = ParseCallStatus(Get("CallStatus")),
            Direction = Get("Direction"),
            ParentCallSid = Get("ParentCallSid"),
            Digits = Get("Digits"),
            FinishedOnKey = Get("FinishedOnKey"),
            SpeechResult = Get("SpeechResult"),
            Confidence = ParseDouble(Get("Confidence")),
            DialCallStatus = Get("DialCallStatus") is { } dialStatus ? ParseDialCallStatus(dialStatus) : null,
            DialCallSid = Get("DialCallSid"),
            DialCallDuration = ParseInt(Get("DialCallDuration")),
            DialBridged = bool.TryParse(Get("DialBridged"), out var bridged) ? bridged : null,
            CallDuration = ParseInt(Get("CallDuration")),
            SequenceNumber = ParseInt(Get("SequenceNumber")),
            Timestamp = ParseRfc2822(Get("Timestamp")),
            RecordingUrl = Get("RecordingUrl"),
            RecordingDuration = ParseInt(Get("RecordingDuration")),
            QueueResult = Get("QueueResult"),
            QueueTime = ParseInt(Get("QueueTime")),
            Raw = raw,
        };
    }

    internal static CallStatus ParseCallStatus(string? value) => Normalize(value) switch
    {
        "queued" => CallStatus.Queued,
        "initiated" => CallStatus.Initiated,
        "ringing" => CallStatus.Ringing,
        "in-progress" => CallStatus.InProgress,
        "completed" => CallStatus.Completed,
        "busy" => CallStatus.Busy,
        "failed" => CallStatus.Failed,
        "no-answer" => CallStatus.NoAnswer,
        "canceled" or "cancelled" => CallStatus.Canceled,
        _ => CallStatus.Unknown,
    };

    internal static DialCallStatus ParseDialCallStatus(string? value) => Normalize(value) switch
    {
        "completed" => Twilio.DialCallStatus.Completed,
        "answered" => Twilio.DialCallStatus.Answered,
        "busy" => Twilio.DialCallStatus.Busy,
        "no-answer" => Twilio.DialCallStatus.NoAnswer,
        "failed" => Twilio.DialCallStatus.Failed,
        "canceled" or "cancelled" => Twilio.DialCallStatus.Canceled,
        _ => Twilio.DialCallStatus.Unknown,
    };

    /// <summary>RFC 2822 date-time: optional day name, 1–2 digit day, optional seconds, numeric zone or GMT/UT.</summary>
    internal static DateTimeOffset? ParseRfc2822(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var match = Rfc2822().Match(value.Trim());
        if (!match.Success)
        {
            return null;
        }

        var zone = match.Groups["zone"].Value;
        var offset = zone is "GMT" or "UT" or "Z" ? "+00:00" : $"{zone[..3]}:{zone[3..]}";
        var seconds = match.Groups["sec"].Success ? match.Groups["sec"].Value : "00";
        var text = $"{match.Groups["day"].Value.PadLeft(2, '0')} {match.Groups["mon"].Value} {match.Groups["year"].Value} "
            + $"{match.Groups["hm"].Value}:{seconds} {offset}";
        return DateTimeOffset.TryParseExact(
            text, "dd MMM yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var result)
            ? result
            : null;
    }

    private static string? Normalize(string? value) => value?.Trim().ToLowerInvariant();

    private static int? ParseInt(string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result) ? result : null;

    private static double? ParseDouble(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var result) && double.IsFinite(result)
            ? result
            : null;

    [GeneratedRegex(
        @"^(?:[A-Za-z]{3},\s*)?(?<day>\d{1,2})\s+(?<mon>[A-Za-z]{3})\s+(?<year>\d{4})\s+(?<hm>\d{2}:\d{2})(?::(?<sec>\d{2}))?\s+(?<zone>[+-]\d{4}|GMT|UT|Z)$",
        RegexOptions.CultureInvariant)]
    private static partial Regex Rfc2822();
}
