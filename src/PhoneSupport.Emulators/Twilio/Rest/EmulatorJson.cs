using System.Globalization;

namespace PhoneSupport.Emulators.Twilio.Rest;

/// <summary>Twilio's JSON shapes (snake_case, RFC 2822 dates, <c>duration</c> as a string), research/twilio.md §4.</summary>
internal static class EmulatorJson
{
    public static (int Status, object Body) Error(int status, int code, string message, string? detail = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["code"] = code,
            ["message"] = message,
            ["more_info"] = $"https://www.twilio.com/docs/errors/{code}",
            ["status"] = status,
        };
        if (detail is not null)
        {
            body["detail"] = detail;
        }

        return (status, body);
    }

    public static string DefaultMessage(int code) => code switch
    {
        20429 => "Too Many Requests",
        20500 => "An internal server error has occurred",
        20503 => "Service unavailable",
        _ => $"Error {code}",
    };

    public static Dictionary<string, object?> Call(EmulatedCall call)
    {
        var uri = $"/2010-04-01/Accounts/{call.AccountSid}/Calls/{call.Sid}";
        return new Dictionary<string, object?>
        {
            ["sid"] = call.Sid,
            ["date_created"] = Twiml.Rfc2822(call.DateCreated),
            ["date_updated"] = Twiml.Rfc2822(call.DateUpdated),
            ["parent_call_sid"] = null,
            ["account_sid"] = call.AccountSid,
            ["to"] = call.To,
            ["to_formatted"] = Formatted(call.To),
            ["from"] = call.From,
            ["from_formatted"] = Formatted(call.From),
            ["phone_number_sid"] = null,
            ["status"] = call.Status,
            ["start_time"] = call.StartTime is { } start ? Twiml.Rfc2822(start) : null,
            ["end_time"] = call.EndTime is { } end ? Twiml.Rfc2822(end) : null,
            ["duration"] = call.Duration?.ToString(CultureInfo.InvariantCulture),
            ["price"] = null,
            ["price_unit"] = "USD",
            ["direction"] = call.Direction,
            ["answered_by"] = null,
            ["api_version"] = "2010-04-01",
            ["forwarded_from"] = null,
            ["group_sid"] = null,
            ["caller_name"] = null,
            ["queue_time"] = "0",
            ["trunk_sid"] = null,
            ["uri"] = uri + ".json",
            ["subresource_uris"] = new Dictionary<string, string>
            {
                ["notifications"] = uri + "/Notifications.json",
                ["recordings"] = uri + "/Recordings.json",
                ["events"] = uri + "/Events.json",
            },
        };
    }

    public static Dictionary<string, object?> Message(EmulatedMessage message, string accountSid) => new()
    {
        ["sid"] = message.Sid,
        ["account_sid"] = accountSid,
        ["to"] = message.To,
        ["from"] = message.From,
        ["messaging_service_sid"] = message.MessagingServiceSid,
        ["body"] = message.Body,
        ["status"] = message.Status,
        ["direction"] = "outbound-api",
        ["num_segments"] = Math.Max(1, (int)Math.Ceiling(message.Body.Length / 160.0)).ToString(CultureInfo.InvariantCulture),
        ["num_media"] = "0",
        ["error_code"] = null,
        ["error_message"] = null,
        ["price"] = null,
        ["price_unit"] = "USD",
        ["api_version"] = "2010-04-01",
        ["date_created"] = Twiml.Rfc2822(message.DateCreated),
        ["date_updated"] = Twiml.Rfc2822(message.DateCreated),
        ["date_sent"] = null,
        ["uri"] = $"/2010-04-01/Accounts/{accountSid}/Messages/{message.Sid}.json",
    };

    /// <summary>North American numbers as Twilio shows them, <c>(555) 010-0001</c>; others unchanged.</summary>
    private static string Formatted(string number) =>
        number.Length == 12 && number.StartsWith("+1", StringComparison.Ordinal)
            ? $"({number[2..5]}) {number[5..8]}-{number[8..]}"
            : number;
}
