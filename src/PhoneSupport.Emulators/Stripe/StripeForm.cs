using System.Globalization;

namespace PhoneSupport.Emulators.Stripe;

/// <summary>
/// A Stripe form body (or query) read the way Stripe reads it: <c>a[b][c]=v</c> nests, <c>a[0]</c>/<c>a[]</c> are list
/// entries, <c>a=</c> alone is an empty (clearing) value. Both <c>+</c> and <c>%20</c> are spaces, brackets may come
/// escaped or not. Bad input is a <see cref="StripeEmulatorError"/> (400), never an unhandled exception.
/// </summary>
internal sealed class StripeForm
{
    private readonly Dictionary<string, object> _root = new(StringComparer.Ordinal);

    private StripeForm(IReadOnlyList<KeyValuePair<string, string>> pairs) => Pairs = pairs;

    /// <summary>The decoded pairs in the order they came.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Pairs { get; }

    public IEnumerable<string> Names => _root.Keys;

    public static IReadOnlyList<KeyValuePair<string, string>> Decode(string? encoded)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in (encoded ?? "").TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var (name, value) = equals < 0 ? (part, "") : (part[..equals], part[(equals + 1)..]);
            pairs.Add(KeyValuePair.Create(Unescape(name), Unescape(value)));
        }

        return pairs;
    }

    public static StripeForm Parse(IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        var form = new StripeForm(pairs);
        foreach (var (name, value) in pairs)
        {
            form.Insert(name, value);
        }

        return form;
    }

    /// <summary>A top-level scalar; null when absent.</summary>
    public string? Text(string name) => _root.TryGetValue(name, out var node)
        ? node as string ?? throw StripeEmulatorError.Invalid($"Invalid string: {name} must be a string.", name)
        : null;

    public long? Long(string name) => Text(name) is { } text
        ? long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw StripeEmulatorError.Invalid($"Invalid integer: {text}", name, "parameter_invalid_integer")
        : null;

    public bool? Bool(string name) => Text(name) switch
    {
        null => null,
        { } text when text.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
        { } text when text.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
        { } text => throw StripeEmulatorError.Invalid($"Invalid boolean: {text}", name),
    };

    public string Required(string name) => Text(name) is { Length: > 0 } text
        ? text
        : throw StripeEmulatorError.Invalid($"Missing required param: {name}.", name, "parameter_missing");

    /// <summary>An object of scalars (<c>metadata[k]=v</c>); an empty <c>metadata=</c> reads as empty; null when absent.</summary>
    public Dictionary<string, string>? Object(string name)
    {
        if (!_root.TryGetValue(name, out var node))
        {
            return null;
        }

        return node switch
        {
            "" => new Dictionary<string, string>(StringComparer.Ordinal),
            Dictionary<string, object> members when members.Values.All(v => v is string) =>
                members.ToDictionary(m => m.Key, m => (string)m.Value, StringComparer.Ordinal),
            _ => throw StripeEmulatorError.Invalid($"Invalid object: {name} must be a hash of strings.", name),
        };
    }

    /// <summary>A list of strings (<c>expand[0]=payments</c>), in index order; empty when absent.</summary>
    public List<string> Strings(string name)
    {
        if (!_root.TryGetValue(name, out var node))
        {
            return [];
        }

        if (node is not Dictionary<string, object> entries || entries.Keys.Any(k => !int.TryParse(k, CultureInfo.InvariantCulture, out _)))
        {
            throw StripeEmulatorError.Invalid($"Invalid array: {name} must be a list.", name);
        }

        return entries.OrderBy(e => int.Parse(e.Key, CultureInfo.InvariantCulture))
            .Select(e => e.Value as string ?? throw StripeEmulatorError.Invalid($"Invalid string: {name}[{e.Key}] must be a string.", name))
            .ToList();
    }

    /// <summary>A list of objects (<c>lines[0][invoice_item]=…</c>), in index order; null when absent.</summary>
    public List<Dictionary<string, object>>? List(string name)
    {
        if (!_root.TryGetValue(name, out var node))
        {
            return null;
        }

        if (node is not Dictionary<string, object> entries || entries.Keys.Any(k => !int.TryParse(k, CultureInfo.InvariantCulture, out _)))
        {
            throw StripeEmulatorError.Invalid($"Invalid array: {name} must be a list.", name);
        }

        return entries.OrderBy(e => int.Parse(e.Key, CultureInfo.InvariantCulture))
            .Select(e => e.Value as Dictionary<string, object>
                ?? throw StripeEmulatorError.Invalid($"Invalid hash: {name}[{e.Key}] must be a hash.", name))
            .ToList();
    }

    /// <summary>Every top-level name must be one the endpoint knows, as Stripe insists.</summary>
    public void AllowOnly(params string[] names)
    {
        if (_root.Keys.FirstOrDefault(k => !names.Contains(k, StringComparer.Ordinal)) is { } unknown)
        {
            throw StripeEmulatorError.Invalid($"Received unknown parameter: {unknown}", unknown, "parameter_unknown");
        }
    }

    /// <summary>What the idempotency layer compares: the parameters, whatever their order.</summary>
    public static string Fingerprint(string method, string path, IReadOnlyList<KeyValuePair<string, string>> pairs) =>
        method + " " + path + "\n" + string.Join("&", pairs.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))
            .Order(StringComparer.Ordinal));

    private void Insert(string key, string value)
    {
        var open = key.IndexOf('[', StringComparison.Ordinal);
        var segments = new List<string> { open < 0 ? key : key[..open] };
        for (var at = open; at >= 0 && at < key.Length;)
        {
            var close = key.IndexOf(']', at);
            if (key[at] != '[' || close < 0)
            {
                throw StripeEmulatorError.Invalid($"Invalid parameter name: {key}", key);
            }

            segments.Add(key[(at + 1)..close]);
            at = close + 1;
        }

        if (segments[0].Length == 0)
        {
            throw StripeEmulatorError.Invalid($"Invalid parameter name: {key}", key);
        }

        var node = _root;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i].Length == 0 && i > 0 ? node.Count.ToString(CultureInfo.InvariantCulture) : segments[i];
            if (i == segments.Count - 1)
            {
                if (node.TryGetValue(segment, out var existing) && existing is not string)
                {
                    throw StripeEmulatorError.Invalid($"Invalid parameter: {key} is both a value and a hash.", key);
                }

                node[segment] = value;
                break;
            }

            if (!node.TryGetValue(segment, out var child) || child is "")
            {
                node[segment] = child = new Dictionary<string, object>(StringComparer.Ordinal);
            }

            node = child as Dictionary<string, object>
                ?? throw StripeEmulatorError.Invalid($"Invalid parameter: {key} is both a value and a hash.", key);
        }
    }

    private static string Unescape(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
