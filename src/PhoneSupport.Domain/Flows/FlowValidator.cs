using System.Text.RegularExpressions;
using PhoneSupport.Domain.Calls;

namespace PhoneSupport.Domain.Flows;

/// <summary>
/// Proves a parsed flow is safe to put on a phone line: every reference resolves, every action is known and
/// has all its outcomes mapped, every prompt exists in every language, every step is reachable, and from
/// every step some path ends in a route, a callback, a message, a queue or a goodbye — no dead ends and no
/// loops that never let the caller out or never wait for them.
/// </summary>
public static partial class FlowValidator
{
    public static IReadOnlyList<FlowError> Validate(Flow flow)
    {
        var errors = new List<FlowError>();
        void Error(int line, string message) => errors.Add(new FlowError(flow.FileName, line, message));

        if (!flow.Steps.ContainsKey(flow.Start)) Error(1, $"start step '{flow.Start}' does not exist");
        foreach (var step in flow.Steps.Values.OrderBy(s => s.Line))
        {
            CheckStep(flow, step, Error);
            foreach (var exit in step.Exits())
                if (!flow.Steps.ContainsKey(exit.Target))
                    Error(exit.Line, $"step '{step.Id}' leads to '{exit.Target}', which is not a step of this flow");
        }
        CheckText(flow, flow.Defaults.NoInput, "defaults.noInput", Error);
        CheckText(flow, flow.Defaults.Invalid, "defaults.invalid", Error);
        CheckText(flow, flow.Defaults.NotFound, "defaults.notFound", Error);
        CheckTranslations(flow, Error);
        if (errors.Count == 0) CheckGraph(flow, Error);
        if (errors.Count == 0) CheckConsent(flow, Error);
        return errors;
    }

    private static void CheckStep(Flow flow, FlowStep step, Action<int, string> error)
    {
        var where = $"step '{step.Id}'";
        if (step.Kind.WaitsForCaller() && step.Say.IsEmpty) error(step.Line, $"{where} waits for the caller but says nothing ('say' is required)");
        CheckText(flow, step.Say, $"{where} say", error);
        CheckText(flow, step.NoInput, $"{where} noInput", error);
        CheckText(flow, step.Invalid, $"{where} invalid", error);
        CheckText(flow, step.NotFound, $"{where} notFound", error);
        CheckText(flow, step.Thanks, $"{where} thanks", error);
        if (step.Kind == StepKind.Message && step.Thanks.IsEmpty) error(step.Line, $"{where}: a message step needs 'thanks' (said after the recording)");
        if (step.Kind == StepKind.Goodbye && step.Say.IsEmpty) error(step.Line, $"{where}: a goodbye needs 'say' (never hang up in silence)");

        var required = new List<string>(FlowActions.RequiredOutcomesOf(step.Kind));
        switch (step.Kind)
        {
            case StepKind.Menu:
                if (step.OnFail is null) error(step.Line, $"{where}: a menu needs 'onFail' (where a caller goes after {flow.Defaults.MaxAttempts} tries with no valid key)");
                CheckDuplicateKeys(step, error);
                foreach (var option in step.Options)
                    if (option.Sets.TryGetValue("language", out var lang) && !flow.Languages.ContainsKey(lang))
                        error(option.Line, $"{where}: option '{option.Key}' sets language '{lang}', which the flow does not declare");
                break;
            case StepKind.Language:
                CheckDuplicateKeys(step, error);
                foreach (var option in step.Options)
                    if (!flow.Languages.ContainsKey(option.Sets["language"]))
                        error(option.Line, $"{where}: option '{option.Key}' offers '{option.Sets["language"]}', which the flow does not declare in 'languages'");
                foreach (var language in flow.Languages.Keys.Where(l => step.Options.All(o => o.Sets["language"] != l)))
                    error(step.Line, $"{where}: the language menu does not offer '{language}'");
                break;
            case StepKind.Collect:
            case StepKind.Action:
                if (step.Action is null) { error(step.Line, $"{where}: 'action' is required"); break; }
                if (!FlowActions.Known.TryGetValue(step.Action, out var spec))
                {
                    error(step.Line, $"{where}: unknown action '{step.Action}' (known: {string.Join(", ", FlowActions.Known.Keys.Order())})");
                    break;
                }
                if (spec.Kind != step.Kind)
                    error(step.Line, $"{where}: action '{step.Action}' belongs in a '{spec.Kind.ToString().ToLowerInvariant()}' step, not '{step.Kind.ToString().ToLowerInvariant()}'");
                else if (spec.Input is { } input && step.Collect is { } collect && collect.Input != input)
                    error(step.Line, $"{where}: action '{step.Action}' collects {input.ToString().ToLowerInvariant()}, but the step collects {collect.Input.ToString().ToLowerInvariant()}");
                required.AddRange(spec.RequiredOutcomes);
                break;
            case StepKind.Say:
                if (step.Next is null) error(step.Line, $"{where}: a say step needs 'next'");
                break;
        }
        foreach (var outcome in required.Where(o => !step.Outcomes.ContainsKey(o)))
            error(step.Line, $"{where}: outcome '{outcome}' is not mapped to a step (a caller reaching it would hit a dead end)");
        foreach (var (name, target) in step.Outcomes.Where(o => !required.Contains(o.Key)))
            error(target.Line, $"{where}: unknown outcome '{name}' (expected: {string.Join(", ", required)})");
    }

    private static void CheckDuplicateKeys(FlowStep step, Action<int, string> error)
    {
        foreach (var group in step.Options.GroupBy(o => o.Key).Where(g => g.Count() > 1))
            error(group.Last().Line, $"step '{step.Id}': key '{group.Key}' is used twice");
    }

    /// <summary>
    /// Every language the flow declares is one the engine speaks: its numbers, times and prices (<see cref="Speech"/>) and
    /// its own prompts (<see cref="BuiltInPrompts"/>) exist in it; a queue step's holding texts exist in every language.
    /// </summary>
    private static void CheckTranslations(Flow flow, Action<int, string> error)
    {
        foreach (var language in flow.Languages.Values.OrderBy(l => l.Line))
        {
            if (Speech.Find(language.Code) is null)
                error(language.Line, $"language '{language.Code}': the service cannot speak times, durations and prices in it (it speaks: {string.Join(", ", Speech.Supported)})");
            foreach (var (name, texts) in BuiltInPrompts.All.Where(p => !p.Texts.ContainsKey(Speech.Primary(language.Code))))
                error(language.Line, $"language '{language.Code}': the built-in prompt '{name}' has no translation in it");
        }
        foreach (var step in flow.Steps.Values.Where(s => s.Kind == StepKind.Queue).OrderBy(s => s.Line))
            foreach (var (key, text) in step.Texts.OrderBy(t => t.Value.Line))
                CheckText(flow, text, $"step '{step.Id}' {key}", error, QueueTexts.Variables);
    }

    private static void CheckText(Flow flow, LocalizedText text, string where, Action<int, string> error, IReadOnlyList<string>? extraVariables = null)
    {
        if (text.IsEmpty) return;
        foreach (var language in flow.Languages.Keys.Where(l => !text.ByLanguage.ContainsKey(l)))
            error(text.Line, $"{where}: no text for language '{language}'");
        foreach (var (language, value) in text.ByLanguage)
        {
            if (!flow.Languages.ContainsKey(language)) error(text.Line, $"{where}: '{language}' is not one of the flow's languages");
            if (string.IsNullOrWhiteSpace(value)) error(text.Line, $"{where}: the {language} text is empty");
            foreach (Match m in Placeholder().Matches(value))
                if (!FlowActions.Variables.Contains(m.Groups["name"].Value) && extraVariables?.Contains(m.Groups["name"].Value) != true)
                    error(text.Line, $"{where}: unknown placeholder '{{{m.Groups["name"].Value}}}' (known: {string.Join(", ", FlowActions.Variables.Order())})");
        }
    }

    private static void CheckGraph(Flow flow, Action<int, string> error)
    {
        var reachable = new HashSet<string>();
        var stack = new Stack<string>([flow.Start]);
        while (stack.TryPop(out var id))
            if (reachable.Add(id))
                foreach (var exit in flow.Steps[id].Exits()) stack.Push(exit.Target);
        foreach (var step in flow.Steps.Values.Where(s => !reachable.Contains(s.Id)).OrderBy(s => s.Line))
            error(step.Line, $"step '{step.Id}' is never reached from '{flow.Start}'");

        // Backwards from the terminal steps: which steps have some path to an end?
        var canEnd = new HashSet<string>(flow.Steps.Values.Where(s => s.Kind.IsTerminal()).Select(s => s.Id));
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var step in flow.Steps.Values.Where(s => !canEnd.Contains(s.Id)))
                if (step.Exits().Any(e => canEnd.Contains(e.Target))) changed = canEnd.Add(step.Id) | changed;
        }
        foreach (var step in flow.Steps.Values.Where(s => !canEnd.Contains(s.Id)).OrderBy(s => s.Line))
            error(step.Line, $"step '{step.Id}' is a dead end: no path from it reaches a route, callback, message, queue or goodbye");

        // A cycle of steps that never wait for the caller would spin forever inside one webhook.
        var state = new Dictionary<string, int>();
        foreach (var step in flow.Steps.Values.OrderBy(s => s.Line))
            if (FindInstantLoop(flow, step.Id, state) is { } loop)
            {
                error(flow.Steps[loop].Line, $"step '{loop}' starts a loop of steps that never wait for the caller");
                break;
            }
    }

    private static string? FindInstantLoop(Flow flow, string id, Dictionary<string, int> state)
    {
        var step = flow.Steps[id];
        if (step.Kind.WaitsForCaller()) return null;
        if (state.TryGetValue(id, out var s)) return s == 1 ? id : null;
        state[id] = 1;
        foreach (var exit in step.Exits())
            if (FindInstantLoop(flow, exit.Target, state) is { } loop) return loop;
        state[id] = 2;
        return null;
    }

    [GeneratedRegex(@"\{(?<name>[A-Za-z]+)(:[a-z]+)?\}")] private static partial Regex Placeholder();
}
