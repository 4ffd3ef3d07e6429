using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PhoneSupport.Domain.Yaml;

/// <summary>
/// Shared by the flow and policy parsers: loads YAML text with line numbers and collects problems as
/// <c>file:line: reason</c> instead of throwing, so one run reports everything wrong with a file.
/// </summary>
public abstract class YamlFileReader(string file)
{
    private readonly List<Flows.FlowError> _errors = [];

    protected string File { get; } = file;

    public IReadOnlyList<Flows.FlowError> Errors => _errors;

    /// <summary>The root mapping of the text, or null (with the error recorded).</summary>
    protected YamlMappingNode? LoadRoot(string yaml, string expected)
    {
        var stream = new YamlStream();
        var reader = new Parser(new StringReader(yaml));
        try
        {
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            Error((int)e.Start.Line, $"not valid YAML: {e.InnerException?.Message ?? e.Message}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (not a YamlException) when a '[' or '{' is left open across lines.
            Error((int)(reader.Current?.Start.Line ?? 1), "not valid YAML: a '[' or '{' is never closed");
            return null;
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            Error(1, $"the file must be a mapping with {expected}");
            return null;
        }
        return root;
    }

    protected static string? Scalar(YamlMappingNode map, string key) => (Child(map, key) as YamlScalarNode)?.Value;

    protected static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    protected static string KeyOf(YamlNode key) => (key as YamlScalarNode)?.Value ?? "";

    protected string? RequiredScalar(YamlMappingNode map, string key)
    {
        var value = Scalar(map, key);
        if (string.IsNullOrWhiteSpace(value)) Error(Line(map, key, map), $"'{key}' is required");
        return value;
    }

    protected int? Int(YamlMappingNode map, string key, int min, int max)
    {
        var text = Scalar(map, key);
        if (text is null) return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
        Error(Line(map, key, map), $"'{key}' must be a whole number from {min} to {max}, not '{text}'");
        return null;
    }

    protected void CheckKeys(YamlMappingNode map, KeySet allowed, string where)
    {
        foreach (var key in map.Children.Keys)
            if (!allowed.Contains(KeyOf(key))) Error(LineOf(key), $"{where}: unknown key '{KeyOf(key)}' (allowed: {allowed})");
    }

    protected static int Line(YamlMappingNode map, string key, YamlNode? fallback = null) =>
        map.Children.Keys.FirstOrDefault(k => KeyOf(k) == key) is { } k ? LineOf(k) : LineOf(fallback ?? map);

    protected static int LineOf(YamlNode node) => (int)node.Start.Line;

    protected void Error(int line, string message) => _errors.Add(new Flows.FlowError(File, line, message));

    /// <summary>The keys a mapping may hold; anything else is reported as a typo.</summary>
    protected sealed class KeySet(params string[] keys)
    {
        private readonly HashSet<string> _keys = new(keys, StringComparer.Ordinal);
        public bool Contains(string key) => _keys.Contains(key);
        public override string ToString() => string.Join(", ", keys);
    }
}
