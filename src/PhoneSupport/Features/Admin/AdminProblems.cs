using System.Buffers.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NodaTime;
using NodaTime.Text;

namespace PhoneSupport.Features.Admin;

/// <summary>Field errors gathered while reading one request; answered together as one validation problem.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages)) _errors[field] = messages = [];
        messages.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}

/// <summary>The admin API's <c>application/problem+json</c> answers: validation (400), not found (404), conflict (409).</summary>
public static class Problems
{
    public static ProblemHttpResult Validation(FieldErrors errors, string? detail = null) =>
        WithErrors(StatusCodes.Status400BadRequest, "The request is not valid.", detail ?? "See errors for each field.", errors.ToDictionary());

    public static ProblemHttpResult Validation(string field, string message) =>
        WithErrors(StatusCodes.Status400BadRequest, "The request is not valid.", message, new() { [field] = [message] });

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    /// <summary>A unique value taken by another row: 409 naming the field.</summary>
    public static ProblemHttpResult Conflict(string field, string message) =>
        WithErrors(StatusCodes.Status409Conflict, "Conflict", message, new() { [field] = [message] });

    /// <summary>The constraint a unique violation hit, or null when the failure is something else.</summary>
    public static string? UniqueViolation(DbUpdateException e) =>
        e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } p ? p.ConstraintName : null;

    private static ProblemHttpResult WithErrors(int status, string title, string detail, Dictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = status, Title = title, Detail = detail });
}

/// <summary>How the admin API reads and writes instants, dates, identity numbers and cursors.</summary>
public static partial class AdminFormats
{
    public const int MinSeverity = 1;
    public const int MaxSeverity = 4;
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    private const string InstantHint = "an ISO-8601 UTC instant like 2026-07-04T07:00:00Z";

    public static string Format(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    public static string Format(LocalDate date) => LocalDatePattern.Iso.Format(date);

    public static string Format(LocalDateTime local) => LocalDateTimePattern.ExtendedIso.Format(local);

    /// <summary>A duration as an ISO period ("PT2H", "PT12H", "PT1H30M"); never folded into days.</summary>
    public static string Format(Duration duration) => PeriodPattern.NormalizingIso.Format(Period.FromTicks(duration.BclCompatibleTicks).Normalize());

    /// <summary>The instant in <paramref name="text"/>, or <paramref name="fallback"/> when absent; an error when malformed.</summary>
    public static Instant? Instant(string? text, string field, FieldErrors errors, Instant? fallback = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (fallback is null) errors.Add(field, $"Required: {InstantHint}.");
            return fallback;
        }
        var parsed = InstantPattern.ExtendedIso.Parse(text.Trim());
        if (parsed.Success) return parsed.Value;
        errors.Add(field, $"'{text}' is not {InstantHint}.");
        return null;
    }

    public static LocalDate? Date(string? text, string field, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(field, "Required: a date like 2026-01-15 (YYYY-MM-DD).");
            return null;
        }
        var parsed = LocalDatePattern.Iso.Parse(text.Trim());
        if (parsed.Success) return parsed.Value;
        errors.Add(field, $"'{text}' is not a date like 2026-01-15 (YYYY-MM-DD).");
        return null;
    }

    public static Guid? Id(string? text, string field, FieldErrors errors, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required) errors.Add(field, "Required: an id like 0197a1b2-….");
            return null;
        }
        if (Guid.TryParse(text, out var id)) return id;
        errors.Add(field, $"'{text}' is not an id.");
        return null;
    }

    /// <summary>A severity 1 (urgent) to 4 (low), or null when absent.</summary>
    public static int? Severity(string? text, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s) && s is >= MinSeverity and <= MaxSeverity)
            return s;
        errors.Add("severity", $"'{text}' is not a severity: 1 (urgent), 2 (high), 3 (medium) or 4 (low).");
        return null;
    }

    public static int Limit(string? text, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return DefaultLimit;
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxLimit)
            return n;
        errors.Add("limit", $"'{text}' is not a limit from 1 to {MaxLimit}.");
        return DefaultLimit;
    }

    /// <summary>Account, customer and contract numbers: 4–12 digits (what a caller can key in).</summary>
    public static bool IsIdentityNumber(string? text) => text is not null && IdentityNumber().IsMatch(text);

    /// <summary>E.164 as the schema checks it: <c>+</c>, a non-zero digit, 7–15 digits in all.</summary>
    public static bool IsE164(string? text) => text is not null && E164().IsMatch(text);

    /// <summary>An opaque keyset cursor: the last id of the page, base64url.</summary>
    public static string Cursor(Guid lastId) => Base64Url.EncodeToString(lastId.ToByteArray(bigEndian: true));

    public static Guid? Cursor(string? text, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var bytes = new byte[16];
        if (Base64Url.IsValid(text, out var length) && length == 16 && Base64Url.TryDecodeFromChars(text, bytes, out var written) && written == 16)
            return new Guid(bytes, bigEndian: true);
        errors.Add("cursor", "Not a cursor this API gave out (pass the 'next' of the previous page).");
        return null;
    }

    [GeneratedRegex(@"^[0-9]{4,12}\z")]
    private static partial Regex IdentityNumber();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}\z")]
    private static partial Regex E164();
}
