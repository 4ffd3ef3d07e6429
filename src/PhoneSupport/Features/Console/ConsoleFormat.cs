using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using NodaTime;
using NodaTime.Text;

namespace PhoneSupport.Features.Console;

/// <summary>
/// How the console writes instants, durations and money: in the viewer's zone (<see cref="ViewerTime"/>) to the minute with the
/// zone named ("Mon 11 Jan 2027, 10:00 EST (America/New_York)"; UTC outside a signed-in page), durations in words, currency symbols.
/// </summary>
public static class ConsoleFormat
{
    private static readonly InstantPattern Minutes = InstantPattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm 'UTC'");

    public static string Instant(Instant instant) =>
        ViewerTime.Zone is { } zone ? Domain.Desk.ReadableTime.Format(instant, zone) : Minutes.Format(instant);

    /// <summary>The viewer's zone (UTC when none is known): for <c>datetime-local</c> inputs and their labels.</summary>
    public static DateTimeZone Zone => ViewerTime.Zone ?? DateTimeZone.Utc;

    /// <summary>An ISO-8601 period or duration as words: <c>PT2H</c> "2 hours", <c>PT15M</c> "15 minutes".</summary>
    public static string Words(string iso) => Domain.Desk.ReadableTime.Words(iso);

    public static string Words(Duration duration) => Domain.Desk.ReadableTime.Words(duration);

    public static string Instant(Instant? instant) => instant is { } i ? Instant(i) : "—";

    public static Instant ParseInstant(string text) => InstantPattern.ExtendedIso.Parse(text).GetValueOrThrow();

    /// <summary>"1 h 05 min", "12 min", "45 s"; negative durations get a minus sign ("overdue" is said by the caller).</summary>
    public static string Duration(Duration duration)
    {
        var sign = duration < NodaTime.Duration.Zero ? "−" : "";
        var d = duration < NodaTime.Duration.Zero ? -duration : duration;
        var hours = (long)Math.Floor(d.TotalHours);
        return hours >= 48 ? string.Create(CultureInfo.InvariantCulture, $"{sign}{hours / 24} d {hours % 24} h")
            : hours > 0 ? string.Create(CultureInfo.InvariantCulture, $"{sign}{hours} h {d.Minutes:00} min")
            : d.Minutes > 0 ? string.Create(CultureInfo.InvariantCulture, $"{sign}{d.Minutes} min")
            : string.Create(CultureInfo.InvariantCulture, $"{sign}{d.Seconds} s");
    }

    /// <summary>Minor units as an amount with its currency: 12000 usd → "$120.00", 9000 chf → "CHF 90.00".</summary>
    public static string Money(long minor, string currency) => currency.ToLowerInvariant() switch
    {
        "usd" => string.Create(CultureInfo.InvariantCulture, $"${minor / 100m:N2}"),
        "eur" => string.Create(CultureInfo.InvariantCulture, $"€{minor / 100m:N2}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{currency.ToUpperInvariant()} {minor / 100m:N2}"),
    };
}

/// <summary>Turns the admin handlers' answers into what a page shows: field errors into model state, next to each field.</summary>
public static class ConsoleResults
{
    public static ProblemDetails? Problem(IResult result) => result is ProblemHttpResult problem ? problem.ProblemDetails : null;

    /// <summary>
    /// Copies a validation problem's field errors onto the form's fields (<paramref name="prefix"/> + the API's field
    /// name, capitalised as the form model's property). Errors of fields the form does not have go to the summary.
    /// Returns true when the result was a problem.
    /// </summary>
    public static bool AddTo(IResult result, ModelStateDictionary state, string prefix, IEnumerable<string>? formFields = null)
    {
        if (Problem(result) is not { } problem) return false;
        var fields = formFields?.ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (problem is HttpValidationProblemDetails { Errors.Count: > 0 } validation)
        {
            foreach (var (field, messages) in validation.Errors)
            {
                var key = fields is null || fields.Contains(field) ? prefix + char.ToUpperInvariant(field[0]) + field[1..] : "";
                foreach (var message in messages) state.AddModelError(key, message);
            }
        }
        else
        {
            state.AddModelError("", problem.Detail ?? problem.Title ?? "The request failed.");
        }
        return true;
    }
}
