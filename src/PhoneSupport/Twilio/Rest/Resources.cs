using System.Globalization;
using System.Text.Json;

namespace PhoneSupport.Twilio.Rest;

/// <summary>Twilio's call statuses (<c>call_enum_status</c>); kept as strings so a new status never breaks parsing.</summary>
public static class CallStatus
{
    public const string Queued = "queued";
    public const string Ringing = "ringing";
    public const string InProgress = "in-progress";
    public const string Completed = "completed";
    public const string Busy = "busy";
    public const string Failed = "failed";
    public const string NoAnswer = "no-answer";
    public const string Canceled = "canceled";

    /// <summary>True for statuses a call never leaves.</summary>
    public static bool IsTerminal(string? status) => status is Completed or Busy or Failed or NoAnswer or Canceled;
}

/// <summary>A call as Twilio's JSON describes it (snake_case fields, RFC 2822 dates, <c>duration</c> as a string).</summary>
public sealed record CallResource
{
    public required string Sid { get; init; }

    public string? AccountSid { get; init; }

    public string? ParentCallSid { get; init; }

    public string? To { get; init; }

    public string? From { get; init; }

    public string? ToFormatted { get; init; }

    public string? FromFormatted { get; init; }

    /// <summary>One of <see cref="CallStatus"/>.</summary>
    public string? Status { get; init; }

    /// <summary><c>inbound</c>, <c>outbound-api</c> or <c>outbound-dial</c>.</summary>
    public string? Direction { get; init; }

    public DateTimeOffset? DateCreated { get; init; }

    public DateTimeOffset? DateUpdated { get; init; }

    public DateTimeOffset? StartTime { get; init; }

    public DateTimeOffset? EndTime { get; init; }

    /// <summary>Seconds, once the call has ended.</summary>
    public int? Duration { get; init; }

    public int? QueueTime { get; init; }

    public string? AnsweredBy { get; init; }

    public string? ForwardedFrom { get; init; }

    public string? CallerName { get; init; }

    public string? Price { get; init; }

    public string? PriceUnit { get; init; }

    public string? ApiVersion { get; init; }

    public string? Uri { get; init; }

    internal static CallResource FromJson(JsonElement json) => new()
    {
        Sid = json.Text("sid") ?? throw new JsonException("The call JSON has no sid."),
        AccountSid = json.Text("account_sid"),
        ParentCallSid = json.Text("parent_call_sid"),
        To = json.Text("to"),
        From = json.Text("from"),
        ToFormatted = json.Text("to_formatted"),
        FromFormatted = json.Text("from_formatted"),
        Status = json.Text("status"),
        Direction = json.Text("direction"),
        DateCreated = json.Date("date_created"),
        DateUpdated = json.Date("date_updated"),
        StartTime = json.Date("start_time"),
        EndTime = json.Date("end_time"),
        Duration = json.Integer("duration"),
        QueueTime = json.Integer("queue_time"),
        AnsweredBy = json.Text("answered_by"),
        ForwardedFrom = json.Text("forwarded_from"),
        CallerName = json.Text("caller_name"),
        Price = json.Text("price"),
        PriceUnit = json.Text("price_unit"),
        ApiVersion = json.Text("api_version"),
        Uri = json.Text("uri"),
    };
}

/// <summary>A message as Twilio's JSON describes it.</summary>
public sealed record MessageResource
{
    public required string Sid { get; init; }

    public string? AccountSid { get; init; }

    public string? To { get; init; }

    public string? From { get; init; }

    public string? MessagingServiceSid { get; init; }

    public string? Body { get; init; }

    /// <summary><c>queued</c>, <c>accepted</c>, <c>sent</c>, <c>delivered</c>, <c>failed</c>…</summary>
    public string? Status { get; init; }

    public string? Direction { get; init; }

    public int? NumSegments { get; init; }

    public int? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    public DateTimeOffset? DateCreated { get; init; }

    public string? Uri { get; init; }

    internal static MessageResource FromJson(JsonElement json) => new()
    {
        Sid = json.Text("sid") ?? throw new JsonException("The message JSON has no sid."),
        AccountSid = json.Text("account_sid"),
        To = json.Text("to"),
        From = json.Text("from"),
        MessagingServiceSid = json.Text("messaging_service_sid"),
        Body = json.Text("body"),
        Status = json.Text("status"),
        Direction = json.Text("direction"),
        NumSegments = json.Integer("num_segments"),
        ErrorCode = json.Integer("error_code"),
        ErrorMessage = json.Text("error_message"),
        DateCreated = json.Date("date_created"),
        Uri = json.Text("uri"),
    };
}

/// <summary>Lenient readers for Twilio JSON: numbers may arrive as strings and the other way round.</summary>
internal static class TwilioJson
{
    public static string? Text(this JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => null,
            }
            : null;

    public static int? Integer(this JsonElement json, string name) =>
        int.TryParse(json.Text(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static DateTimeOffset? Date(this JsonElement json, string name) => Rfc2822.Parse(json.Text(name));
}

/// <summary>Twilio's REST dates: <c>Tue, 31 Aug 2010 20:36:28 +0000</c>.</summary>
public static class Rfc2822
{
    private static readonly string[] Formats = ["ddd, d MMM yyyy HH:mm:ss zzz", "d MMM yyyy HH:mm:ss zzz"];

    /// <summary>Formats an instant the way Twilio does (always <c>+0000</c>).</summary>
    public static string Format(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    /// <summary>Parses an RFC 2822 date; null when absent or unreadable.</summary>
    public static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (text.EndsWith(" GMT", StringComparison.Ordinal) || text.EndsWith(" UT", StringComparison.Ordinal))
        {
            text = text[..text.LastIndexOf(' ')] + " +00:00";
        }
        else if (text.Length > 5 && text[^5] is '+' or '-' && text[^4..].All(char.IsAsciiDigit))
        {
            text = text[..^2] + ":" + text[^2..];
        }

        return DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var value)
            ? value
            : null;
    }
}
