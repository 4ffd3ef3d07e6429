using System.Globalization;
using Api = global::Twilio.Rest.Api.V2010.Account;

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

/// <summary>A call as the library read it (<see cref="Api.CallResource"/>), in the shape the service keeps: statuses as strings, instants as UTC offsets, numbers as numbers.</summary>
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

    internal static CallResource Of(Api.CallResource call) => new()
    {
        Sid = call.Sid ?? throw new InvalidOperationException("Twilio answered a call without a sid."),
        AccountSid = call.AccountSid,
        ParentCallSid = call.ParentCallSid,
        To = call.To,
        From = call.From,
        ToFormatted = call.ToFormatted,
        FromFormatted = call.FromFormatted,
        Status = call.Status?.ToString(),
        Direction = call.Direction,
        DateCreated = LibraryValues.Utc(call.DateCreated),
        DateUpdated = LibraryValues.Utc(call.DateUpdated),
        StartTime = LibraryValues.Utc(call.StartTime),
        EndTime = LibraryValues.Utc(call.EndTime),
        Duration = LibraryValues.Integer(call.Duration),
        QueueTime = LibraryValues.Integer(call.QueueTime),
        AnsweredBy = call.AnsweredBy,
        ForwardedFrom = call.ForwardedFrom,
        CallerName = call.CallerName,
        Price = call.Price,
        PriceUnit = call.PriceUnit,
        ApiVersion = call.ApiVersion,
        Uri = call.Uri,
    };
}

/// <summary>A message as the library read it (<see cref="Api.MessageResource"/>).</summary>
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

    internal static MessageResource Of(Api.MessageResource message) => new()
    {
        Sid = message.Sid ?? throw new InvalidOperationException("Twilio answered a message without a sid."),
        AccountSid = message.AccountSid,
        To = message.To,
        From = message.From?.ToString(),
        MessagingServiceSid = message.MessagingServiceSid,
        Body = message.Body,
        Status = message.Status?.ToString(),
        Direction = message.Direction?.ToString(),
        NumSegments = LibraryValues.Integer(message.NumSegments),
        ErrorCode = message.ErrorCode,
        ErrorMessage = message.ErrorMessage,
        DateCreated = LibraryValues.Utc(message.DateCreated),
        Uri = message.Uri,
    };
}

/// <summary>The library's values in ours: its dates are UTC <see cref="DateTime"/>s, some numbers strings.</summary>
internal static class LibraryValues
{
    public static DateTimeOffset? Utc(DateTime? time) => time is { } value
        ? new DateTimeOffset(value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc))
        : null;

    public static int? Integer(string? text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
