using System.Collections;
using System.Globalization;
using System.Text;

namespace PhoneSupport.Stripe;

/// <summary>
/// Stripe's <c>application/x-www-form-urlencoded</c> flavour (research/stripe.md §2.2): nested objects as
/// <c>metadata[incident_id]=INC-42</c>, lists always indexed (<c>lines[0][invoice_item]=ii_1</c>, <c>expand[0]=lines</c>),
/// an empty list or a null as <c>key=</c> (which unsets), booleans lowercase, numbers invariant, instants as unix
/// seconds. Brackets stay unescaped in names; everything else is percent-encoded (space as <c>%20</c>).
/// Names and values keep the order they were given in.
/// </summary>
public static class StripeFormEncoder
{
    /// <summary>
    /// Flattens parameters into form pairs. Values may be null, strings, booleans, integers, decimals/doubles,
    /// <see cref="DateTimeOffset"/>s, dictionaries or key/value sequences (nested objects), and other sequences (lists).
    /// </summary>
    /// <exception cref="ArgumentException">A name is empty or contains <c>[</c>/<c>]</c>, or a value has an unsupported type.</exception>
    public static IReadOnlyList<KeyValuePair<string, string>> Flatten(IEnumerable<KeyValuePair<string, object?>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in parameters)
        {
            Add(pairs, CheckName(name), value);
        }

        return pairs;
    }

    /// <summary>The encoded body (or query string, without <c>?</c>) of <see cref="Flatten"/>'s pairs.</summary>
    public static string Encode(IEnumerable<KeyValuePair<string, object?>> parameters) => Join(Flatten(parameters));

    /// <summary>Joins already flat pairs as <c>name=value&amp;…</c>.</summary>
    public static string Join(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var text = new StringBuilder();
        foreach (var (name, value) in pairs)
        {
            if (text.Length > 0)
            {
                text.Append('&');
            }

            text.Append(EscapeName(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return text.ToString();
    }

    private static void Add(List<KeyValuePair<string, string>> pairs, string key, object? value)
    {
        switch (value)
        {
            case null:
                pairs.Add(KeyValuePair.Create(key, ""));
                break;
            case string text:
                pairs.Add(KeyValuePair.Create(key, text));
                break;
            case bool flag:
                pairs.Add(KeyValuePair.Create(key, flag ? "true" : "false"));
                break;
            case DateTimeOffset instant:
                pairs.Add(KeyValuePair.Create(key, instant.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
                break;
            case Enum:
                throw new ArgumentException($"Stripe parameter '{key}': pass the wire string, not the enum {value.GetType().Name}.");
            case sbyte or byte or short or ushort or int or uint or long or ulong or decimal or double or float:
                pairs.Add(KeyValuePair.Create(key, ((IFormattable)value).ToString(null, CultureInfo.InvariantCulture)));
                break;
            case IEnumerable<KeyValuePair<string, string>> strings:
                AddObject(pairs, key, strings.Select(p => KeyValuePair.Create(p.Key, (object?)p.Value)));
                break;
            case IEnumerable<KeyValuePair<string, object?>> objects:
                AddObject(pairs, key, objects);
                break;
            case IDictionary dictionary:
                AddObject(pairs, key, dictionary.Cast<DictionaryEntry>()
                    .Select(e => KeyValuePair.Create(e.Key as string ?? throw Unsupported(key, e.Key), e.Value)));
                break;
            case IEnumerable list:
                var index = 0;
                foreach (var item in list)
                {
                    Add(pairs, $"{key}[{index++}]", item);
                }

                if (index == 0)
                {
                    pairs.Add(KeyValuePair.Create(key, ""));
                }

                break;
            default:
                throw Unsupported(key, value);
        }
    }

    private static void AddObject(List<KeyValuePair<string, string>> pairs, string key, IEnumerable<KeyValuePair<string, object?>> members)
    {
        var any = false;
        foreach (var (name, value) in members)
        {
            any = true;
            Add(pairs, $"{key}[{CheckName(name)}]", value);
        }

        if (!any)
        {
            pairs.Add(KeyValuePair.Create(key, ""));
        }
    }

    /// <summary>Stripe forbids brackets in metadata keys; in any name they would change the nesting.</summary>
    private static string CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.AsSpan().IndexOfAny('[', ']') >= 0)
        {
            throw new ArgumentException($"Stripe parameter names must be non-empty and free of '[' and ']': '{name}'.", nameof(name));
        }

        return name;
    }

    private static string EscapeName(string name) =>
        Uri.EscapeDataString(name).Replace("%5B", "[", StringComparison.Ordinal).Replace("%5D", "]", StringComparison.Ordinal);

    private static ArgumentException Unsupported(string key, object? value) =>
        new($"Stripe parameter '{key}' has a value of unsupported type {value?.GetType().Name ?? "null"}.");
}
