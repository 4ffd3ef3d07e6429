using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using NodaTime;

namespace PhoneSupport.Features.Platform;

/// <summary>The longest text a request field may hold (default <see cref="InputRules.MaxText"/>); multi-line fields may hold line breaks and tabs.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class TextLimitAttribute(int maxLength) : Attribute
{
    public int MaxLength { get; } = maxLength;

    public bool MultiLine { get; init; }
}

/// <summary>The most items a request list may hold (default <see cref="InputRules.MaxItems"/>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListLimitAttribute(int maxItems) : Attribute
{
    public int MaxItems { get; } = maxItems;
}

/// <summary>
/// What any text, list and date a request carries must be before a handler looks at it (README, "Input limits"):
/// no control characters (NUL included; PostgreSQL refuses NUL in text) and no broken UTF-16, bounded lengths and list
/// sizes, and dates and instants in the years <see cref="MinYear"/>–<see cref="MaxYear"/>. Request bodies are checked
/// field by field (<see cref="Check"/>, called first by each handler, so the console's forms get the same answers);
/// query strings, route values and form fields by <see cref="BadInputMiddleware"/>.
/// </summary>
public static class InputRules
{
    public const int MinYear = 1900;
    public const int MaxYear = 2999;

    /// <summary>A body's text field (names, ids, numbers as text) unless it says otherwise.</summary>
    public const int MaxText = 200;

    /// <summary>A body's list unless it says otherwise.</summary>
    public const int MaxItems = 20;

    /// <summary>A query-string or route value (ids, dates, filters, cursors).</summary>
    public const int MaxQueryText = 500;

    /// <summary>A console form field (the per-field limits of the handlers behind the forms apply after this).</summary>
    public const int MaxFormText = 10_000;

    private static readonly Instant First = new LocalDate(MinYear, 1, 1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
    private static readonly Instant End = new LocalDate(MaxYear + 1, 1, 1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
    private static readonly ConcurrentDictionary<Type, Field[]> Fields = new();

    public static string RangeHint => $"years {MinYear} to {MaxYear}";

    public static bool InRange(LocalDate date) => date.Year is >= MinYear and <= MaxYear;

    public static bool InRange(Instant instant) => instant >= First && instant < End;

    /// <summary>Why <paramref name="text"/> cannot be taken as it is, or null when it can.</summary>
    public static string? TextProblem(string text, int maxLength, bool multiLine = false)
    {
        if (text.Length > maxLength) return $"At most {maxLength} characters (this one has {text.Length}).";
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c) && !(multiLine && c is '\n' or '\r' or '\t'))
                return c == '\0' ? "NUL characters are not allowed." : $"Control characters (U+{(int)c:X4}) are not allowed.";
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(c)) return "Not valid Unicode text (an unpaired surrogate).";
        }
        return null;
    }

    /// <summary>The validation problem for a body with bad text or lists (<see cref="Check"/>), or null when it has none.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? Refuse(object body)
    {
        var errors = new FieldErrors();
        Check(body, errors);
        return errors.Any ? Problems.Validation(errors) : null;
    }

    /// <summary>
    /// Checks every text and list of a request body (records of strings, lists of strings and nested records), naming
    /// each field as the JSON does ("phoneNumbers", "windows[2].start"). One message per field.
    /// </summary>
    public static void Check(object? body, FieldErrors errors) => Check(body, "", errors);

    private static void Check(object? body, string prefix, FieldErrors errors)
    {
        if (body is null) return;
        foreach (var field in Fields.GetOrAdd(body.GetType(), Describe))
        {
            var name = prefix + field.Name;
            switch (field.Property.GetValue(body))
            {
                case string text:
                    if (TextProblem(text, field.MaxLength, field.MultiLine) is { } problem) errors.Add(name, problem);
                    break;
                case IList list:
                    if (list.Count > field.MaxItems)
                    {
                        errors.Add(name, $"At most {field.MaxItems} items (this list has {list.Count}).");
                        break;
                    }
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is string item)
                        {
                            if (TextProblem(item, field.MaxLength, field.MultiLine) is not { } itemProblem) continue;
                            errors.Add(name, $"Item {i + 1}: {itemProblem}");
                            break;
                        }
                        if (list[i] is { } nested && !nested.GetType().IsPrimitive) Check(nested, $"{name}[{i}].", errors);
                    }
                    break;
            }
        }
    }

    private static Field[] Describe(Type type) =>
    [
        .. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && (p.PropertyType == typeof(string) || typeof(IList).IsAssignableFrom(p.PropertyType)))
            .Select(p => new Field(p, JsonNamingPolicy.CamelCase.ConvertName(p.Name),
                p.GetCustomAttribute<TextLimitAttribute>()?.MaxLength ?? MaxText, p.GetCustomAttribute<TextLimitAttribute>()?.MultiLine ?? false,
                p.GetCustomAttribute<ListLimitAttribute>()?.MaxItems ?? MaxItems)),
    ];

    private sealed record Field(PropertyInfo Property, string Name, int MaxLength, bool MultiLine, int MaxItems);
}
