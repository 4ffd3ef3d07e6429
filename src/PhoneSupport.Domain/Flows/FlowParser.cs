using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PhoneSupport.Domain.Flows;

/// <summary>
/// Reads a flow from YAML text (the host reads the file). Structural problems are collected with their
/// line rather than thrown, so one run reports everything wrong with a file; <see cref="FlowValidator"/>
/// then checks the graph. The schema is documented in <c>ivr-flows/README.md</c>.
/// </summary>
public sealed partial class FlowParser : Yaml.YamlFileReader
{
    private static readonly KeySet TopKeys = new("flow", "provider", "numbers", "languages", "defaultLanguage", "start", "defaults", "steps", "description");
    private static readonly KeySet DefaultKeys = new("timeout", "maxAttempts", "noInput", "invalid", "notFound");
    private static readonly Dictionary<StepKind, KeySet> StepKeys = new()
    {
        [StepKind.Menu] = new("type", "say", "options", "timeout", "maxAttempts", "noInput", "invalid", "onFail"),
        [StepKind.Language] = new("type", "say", "options", "next", "timeout"),
        [StepKind.Collect] = new("type", "say", "input", "minLength", "maxLength", "finishOnKey", "hints", "action", "outcomes", "timeout", "maxAttempts", "noInput", "invalid", "notFound"),
        [StepKind.Confirm] = new("type", "say", "yes", "no", "consent", "timeout", "maxAttempts", "noInput", "invalid"),
        [StepKind.Action] = new("type", "say", "action", "outcomes", "option"),
        [StepKind.Say] = new("type", "say", "next"),
        [StepKind.Route] = new("type", "say", "skill", "outcomes"),
        [StepKind.Callback] = new("type", "say"),
        [StepKind.Message] = new("type", "say", "thanks", "maxLength"),
        [StepKind.Queue] = new("type", "say", "queue", "outcomes", "position", "offer", "holding"),
        [StepKind.Goodbye] = new("type", "say"),
    };

    private string _defaultLanguage = "en-US";

    private FlowParser(string file) : base(file) { }

    public static (Flow? Flow, IReadOnlyList<FlowError> Errors) Parse(string fileName, string yaml)
    {
        var parser = new FlowParser(fileName);
        var flow = parser.ParseDocument(yaml);
        return (parser.Errors.Count == 0 ? flow : null, parser.Errors);
    }

    private Flow? ParseDocument(string yaml)
    {
        if (LoadRoot(yaml, "'flow', 'provider', 'numbers', 'start' and 'steps'") is not { } root) return null;
        CheckKeys(root, TopKeys, "flow file");

        var id = RequiredScalar(root, "flow") ?? "";
        var provider = RequiredScalar(root, "provider") ?? "";
        var numbers = ParseNumbers(root);
        var languages = ParseLanguages(root);
        // The first language as written: the parsed dictionary is hashed, so its order is not the file's.
        _defaultLanguage = Scalar(root, "defaultLanguage")
            ?? (Child(root, "languages") as YamlMappingNode)?.Children.Keys.Select(k => (k as YamlScalarNode)?.Value).FirstOrDefault()
            ?? "en-US";
        if (languages.Count > 0 && !languages.ContainsKey(_defaultLanguage))
            Error(Line(root, "defaultLanguage"), $"defaultLanguage '{_defaultLanguage}' is not one of the languages");
        var start = RequiredScalar(root, "start") ?? "";
        var defaults = ParseDefaults(root);
        var steps = ParseSteps(root);
        return new Flow(id, provider, File, numbers, languages, _defaultLanguage, start, defaults, steps);
    }

    private ImmutableArray<string> ParseNumbers(YamlMappingNode root)
    {
        if (Child(root, "numbers") is not YamlSequenceNode seq || seq.Children.Count == 0)
        {
            Error(Line(root, "numbers", root), "'numbers' must list the E.164 numbers this flow answers");
            return [];
        }
        var result = ImmutableArray.CreateBuilder<string>();
        foreach (var node in seq.Children)
        {
            var value = (node as YamlScalarNode)?.Value ?? "";
            if (!E164().IsMatch(value)) Error(LineOf(node), $"'{value}' is not an E.164 phone number (like +17038803095)");
            else result.Add(value);
        }
        return result.ToImmutable();
    }

    private ImmutableDictionary<string, FlowLanguage> ParseLanguages(YamlMappingNode root)
    {
        var result = ImmutableDictionary.CreateBuilder<string, FlowLanguage>(StringComparer.Ordinal);
        if (Child(root, "languages") is not YamlMappingNode map || map.Children.Count == 0)
        {
            Error(Line(root, "languages", root), "'languages' must name at least one language with its Twilio voice");
            return result.ToImmutable();
        }
        foreach (var (key, value) in map.Children)
        {
            var code = ((YamlScalarNode)key).Value ?? "";
            if (!LanguageCode().IsMatch(code)) Error(LineOf(key), $"'{code}' is not a language code like en-US");
            var voice = value is YamlMappingNode lang ? Scalar(lang, "voice") : null;
            if (string.IsNullOrWhiteSpace(voice)) Error(LineOf(value), $"language '{code}' needs a 'voice' (e.g. Polly.Joanna)");
            result[code] = new FlowLanguage(code, voice ?? "") { Line = LineOf(key) };
        }
        return result.ToImmutable();
    }

    private FlowDefaults ParseDefaults(YamlMappingNode root)
    {
        var map = Child(root, "defaults") as YamlMappingNode;
        if (map is not null) CheckKeys(map, DefaultKeys, "defaults");
        return new FlowDefaults(
            map is null ? 6 : Int(map, "timeout", 1, 60) ?? 6,
            map is null ? 3 : Int(map, "maxAttempts", 1, 5) ?? 3,
            map is null ? LocalizedText.Empty : Text(map, "noInput"),
            map is null ? LocalizedText.Empty : Text(map, "invalid"),
            map is null ? LocalizedText.Empty : Text(map, "notFound"));
    }

    private ImmutableDictionary<string, FlowStep> ParseSteps(YamlMappingNode root)
    {
        var result = ImmutableDictionary.CreateBuilder<string, FlowStep>(StringComparer.Ordinal);
        if (Child(root, "steps") is not YamlMappingNode steps || steps.Children.Count == 0)
        {
            Error(Line(root, "steps", root), "'steps' must hold at least one step");
            return result.ToImmutable();
        }
        foreach (var (key, value) in steps.Children)
        {
            var id = ((YamlScalarNode)key).Value ?? "";
            if (!StepId().IsMatch(id)) Error(LineOf(key), $"step name '{id}' must be letters, digits and dashes");
            if (value is not YamlMappingNode map)
            {
                Error(LineOf(value), $"step '{id}' must be a mapping with a 'type'");
                continue;
            }
            var step = ParseStep(id, map);
            if (step is not null) result[id] = step;
        }
        return result.ToImmutable();
    }

    private FlowStep? ParseStep(string id, YamlMappingNode map)
    {
        var typeText = Scalar(map, "type");
        if (typeText is null || !Enum.TryParse<StepKind>(typeText, ignoreCase: true, out var kind) || !char.IsLower(typeText[0]))
        {
            Error(LineOf(map), $"step '{id}': 'type' must be one of {string.Join(", ", StepKeys.Keys.Select(k => Camel(k.ToString())))}, not '{typeText}'");
            return null;
        }
        CheckKeys(map, StepKeys[kind], $"step '{id}' ({typeText})");
        var options = kind is StepKind.Menu or StepKind.Language ? ParseOptions(id, kind, map) : [];
        var outcomes = ParseOutcomes(map);
        if (kind == StepKind.Confirm)
        {
            if (Ref(map, "yes") is { } yes) outcomes[FlowActions.Yes] = yes;
            if (Ref(map, "no") is { } no) outcomes[FlowActions.No] = no;
        }
        var settings = ImmutableDictionary.CreateBuilder<string, string>();
        foreach (var name in new[] { "skill", "queue", "maxLength", "consent" })
            if (kind is StepKind.Route or StepKind.Queue or StepKind.Message or StepKind.Confirm && Scalar(map, name) is { } v) settings[name] = v;
        if (kind == StepKind.Action && Scalar(map, "option") is { } option)
        {
            if (int.TryParse(option, out var n) && n is >= 1 and <= 9) settings["option"] = option;
            else Error(LineOf(map), $"step '{id}': 'option' must be the number (1-9) of one of the plan's purchase options");
        }
        if (kind == StepKind.Message && Int(map, "maxLength", 10, 600) is null && settings.ContainsKey("maxLength")) settings.Remove("maxLength");
        if (kind == StepKind.Queue && !settings.ContainsKey("queue")) Error(LineOf(map), $"step '{id}': a queue step needs 'queue' (the queue's name)");

        var texts = kind != StepKind.Queue ? ImmutableDictionary<string, LocalizedText>.Empty
            : QueueTexts.Keys.Select(k => (k, Text(map, k))).Where(t => !t.Item2.IsEmpty).ToImmutableDictionary(t => t.k, t => t.Item2);
        return new FlowStep(
            id, kind, LineOf(map), Text(map, "say"), options,
            kind == StepKind.Collect ? ParseCollect(id, map) : null,
            Scalar(map, "action"), outcomes.ToImmutable(), Ref(map, "next"), Ref(map, "onFail"),
            Int(map, "timeout", 1, 60), Int(map, "maxAttempts", 1, 5),
            Text(map, "noInput"), Text(map, "invalid"), Text(map, "notFound"), Text(map, "thanks"), settings.ToImmutable()) { Texts = texts };
    }

    private ImmutableArray<MenuOption> ParseOptions(string id, StepKind kind, YamlMappingNode map)
    {
        if (Child(map, "options") is not YamlMappingNode options || options.Children.Count == 0)
        {
            Error(LineOf(map), $"step '{id}': a {Camel(kind.ToString())} needs 'options' mapping keys to steps");
            return [];
        }
        var result = ImmutableArray.CreateBuilder<MenuOption>();
        foreach (var (keyNode, value) in options.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            if (!DigitKey().IsMatch(key)) Error(LineOf(keyNode), $"step '{id}': option '{key}' must be one key: 0-9, * or #");
            if (kind == StepKind.Language)
            {
                var code = (value as YamlScalarNode)?.Value ?? "";
                var next = Ref(map, "next");
                if (next is null) { Error(LineOf(map), $"step '{id}': a language menu needs 'next'"); continue; }
                result.Add(new MenuOption(key, next, ImmutableDictionary<string, string>.Empty.Add("language", code), LineOf(keyNode)));
            }
            else if (value is YamlScalarNode target)
                result.Add(new MenuOption(key, new StepRef(target.Value ?? "", LineOf(target)), ImmutableDictionary<string, string>.Empty, LineOf(keyNode)));
            else if (value is YamlMappingNode detail && Ref(detail, "goto") is { } goTo)
            {
                CheckKeys(detail, new KeySet("goto", "set"), $"step '{id}' option '{key}'");
                var sets = ImmutableDictionary.CreateBuilder<string, string>();
                if (Child(detail, "set") is YamlMappingNode set)
                    foreach (var (k, v) in set.Children) sets[((YamlScalarNode)k).Value ?? ""] = (v as YamlScalarNode)?.Value ?? "";
                result.Add(new MenuOption(key, goTo, sets.ToImmutable(), LineOf(keyNode)));
            }
            else Error(LineOf(value), $"step '{id}': option '{key}' must name a step, or be {{ goto: step, set: {{…}} }}");
        }
        return result.ToImmutable();
    }

    private CollectSpec ParseCollect(string id, YamlMappingNode map)
    {
        var inputText = Scalar(map, "input") ?? "digits";
        var input = inputText switch { "digits" => CollectInput.Digits, "speech" => CollectInput.Speech, _ => (CollectInput?)null };
        if (input is null) Error(Line(map, "input", map), $"step '{id}': 'input' must be 'digits' or 'speech', not '{inputText}'");
        var min = Int(map, "minLength", 1, 32) ?? 1;
        var max = Int(map, "maxLength", 1, 32) ?? 32;
        if (min > max) Error(Line(map, "minLength", map), $"step '{id}': minLength {min} is greater than maxLength {max}");
        var finish = Scalar(map, "finishOnKey") ?? "#";
        if (finish.Length > 1 || (finish.Length == 1 && !DigitKey().IsMatch(finish)))
            Error(Line(map, "finishOnKey", map), $"step '{id}': finishOnKey must be one key (0-9, * or #) or empty");
        var hints = Child(map, "hints") is YamlSequenceNode seq
            ? seq.Children.Select(n => (n as YamlScalarNode)?.Value ?? "").ToImmutableArray()
            : [];
        return new CollectSpec(input ?? CollectInput.Digits, min, max, finish, hints);
    }

    private ImmutableDictionary<string, StepRef>.Builder ParseOutcomes(YamlMappingNode map)
    {
        var result = ImmutableDictionary.CreateBuilder<string, StepRef>(StringComparer.Ordinal);
        if (Child(map, "outcomes") is YamlMappingNode outcomes)
            foreach (var (k, v) in outcomes.Children)
                result[((YamlScalarNode)k).Value ?? ""] = new StepRef((v as YamlScalarNode)?.Value ?? "", LineOf(v));
        return result;
    }

    private LocalizedText Text(YamlMappingNode map, string key)
    {
        var node = Child(map, key);
        switch (node)
        {
            case null: return LocalizedText.Empty;
            case YamlScalarNode scalar:
                return new LocalizedText(ImmutableDictionary<string, string>.Empty.Add(_defaultLanguage, scalar.Value ?? ""), LineOf(scalar));
            case YamlMappingNode byLanguage:
                var texts = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in byLanguage.Children) texts[((YamlScalarNode)k).Value ?? ""] = (v as YamlScalarNode)?.Value ?? "";
                return new LocalizedText(texts.ToImmutable(), LineOf(byLanguage));
            default:
                Error(LineOf(node), $"'{key}' must be text, or a mapping of language code to text");
                return LocalizedText.Empty;
        }
    }

    private StepRef? Ref(YamlMappingNode map, string key) =>
        Child(map, key) switch
        {
            null => null,
            YamlScalarNode s => new StepRef(s.Value ?? "", LineOf(s)),
            var other => ErrorRef(other, key),
        };

    private StepRef? ErrorRef(YamlNode node, string key)
    {
        Error(LineOf(node), $"'{key}' must name a step");
        return null;
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")] private static partial Regex E164();
    [GeneratedRegex(@"^[a-z]{2}-[A-Z]{2}$")] private static partial Regex LanguageCode();
    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]*$")] private static partial Regex StepId();
    [GeneratedRegex(@"^[0-9*#]$")] private static partial Regex DigitKey();
}
