using System.Buffers.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NodaTime;
using NodaTime.Text;

namespace PhoneSupport.Features.Platform;

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

/// <summary>
/// Reads JSON request bodies. Minimal APIs' own body binding answers a bad body with an empty 400 outside Development
/// (and a developer page echoing the request headers, the API key included, inside it), so the admin endpoints read
/// their bodies here and answer a validation problem naming the field instead.
/// </summary>
public static partial class AdminJson
{
    public static async Task<Results<TOk, ProblemHttpResult>> WithBodyAsync<TBody, TOk>(
        HttpRequest request, Func<TBody, Task<Results<TOk, ProblemHttpResult>>> handle, CancellationToken ct)
        where TBody : class where TOk : IResult
    {
        if (!request.HasJsonContentType())
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "Send a JSON object with Content-Type: application/json.");
        if (!KnownCharset(request.ContentType))
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "The Content-Type names a charset this service cannot decode; send UTF-8 JSON (charset=utf-8, or no charset).");
        TBody? body;
        try
        {
            body = await request.ReadFromJsonAsync<TBody>(ct);
        }
        catch (JsonException e)
        {
            var field = e.Path is null or "$" ? "body" : JsonPathDecoration().Replace(e.Path, "");
            return Problems.Validation(field, field == "body" ? "The body is not a JSON object." : "This value has the wrong JSON type, or the JSON is malformed here.");
        }
        return body is null ? Problems.Validation("body", "Required: a JSON object.") : await handle(body);
    }

    /// <summary>No charset, or one .NET can decode (the JSON reader transcodes it); "charset=bogus" is not.</summary>
    private static bool KnownCharset(string? contentType)
    {
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)) return false;
        var charset = media.Charset.Value?.Trim('"');
        if (string.IsNullOrEmpty(charset)) return true;
        try
        {
            System.Text.Encoding.GetEncoding(charset);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>"$.phoneNumbers[1]" names the field "phoneNumbers".</summary>
    [GeneratedRegex(@"^\$\.|\[\d+\]$")]
    private static partial Regex JsonPathDecoration();
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

    /// <summary>
    /// A duration as an ISO period in hours, minutes and seconds ("PT2H", "PT24H", "PT1H30M"). Never folded into days:
    /// in response targets "P1D" means one business day, which is not 24 hours on the coverage clock.
    /// </summary>
    public static string Format(Duration duration)
    {
        var (hours, minutes, seconds) = ((long)Math.Floor(duration.TotalHours), duration.Minutes, duration.Seconds);
        var text = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"PT{(hours > 0 ? $"{hours}H" : "")}{(minutes > 0 ? $"{minutes}M" : "")}{(seconds > 0 ? $"{seconds}S" : "")}");
        return text == "PT" ? "PT0S" : text;
    }

    /// <summary>The instant in <paramref name="text"/>, or <paramref name="fallback"/> when absent; an error when malformed.</summary>
    public static Instant? Instant(string? text, string field, FieldErrors errors, Instant? fallback = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (fallback is null) errors.Add(field, $"Required: {InstantHint}.");
            return fallback;
        }
        var parsed = InstantPattern.ExtendedIso.Parse(text.Trim());
        if (parsed.Success && InputRules.InRange(parsed.Value)) return parsed.Value;
        errors.Add(field, parsed.Success ? $"'{text}' is outside the supported {InputRules.RangeHint}." : $"'{text}' is not {InstantHint}.");
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
        if (parsed.Success && InputRules.InRange(parsed.Value)) return parsed.Value;
        errors.Add(field, parsed.Success ? $"'{text}' is outside the supported {InputRules.RangeHint}." : $"'{text}' is not a date like 2026-01-15 (YYYY-MM-DD).");
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
