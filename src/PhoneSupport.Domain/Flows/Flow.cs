using System.Collections.Immutable;

namespace PhoneSupport.Domain.Flows;

/// <summary>
/// An IVR flow loaded from a file in <c>ivr-flows/</c>: the numbers it answers, its languages and a graph of
/// steps. Every node remembers the file line it came from so validation errors can point at it.
/// </summary>
public sealed record Flow(
    string Id,
    string Provider,
    string FileName,
    ImmutableArray<string> Numbers,
    ImmutableDictionary<string, FlowLanguage> Languages,
    string DefaultLanguage,
    string Start,
    FlowDefaults Defaults,
    ImmutableDictionary<string, FlowStep> Steps)
{
    public FlowStep Step(string id) =>
        Steps.TryGetValue(id, out var step) ? step : throw new UnknownStepException(Id, id);

    public FlowLanguage Language(string code) =>
        Languages.TryGetValue(code, out var language) ? language : Languages[DefaultLanguage];
}

/// <summary>A language a line speaks, with the Twilio voice used for it (e.g. <c>Polly.Joanna</c>).</summary>
public sealed record FlowLanguage(string Code, string Voice);

/// <summary>What input steps fall back on when a step does not say otherwise.</summary>
public sealed record FlowDefaults(int TimeoutSeconds, int MaxAttempts, LocalizedText NoInput, LocalizedText Invalid, LocalizedText NotFound);

/// <summary>A prompt in one or more languages; <c>{name}</c> placeholders are filled from the call's variables.</summary>
public sealed record LocalizedText(ImmutableDictionary<string, string> ByLanguage, int Line)
{
    public static readonly LocalizedText Empty = new(ImmutableDictionary<string, string>.Empty, 0);

    public bool IsEmpty => ByLanguage.Count == 0;

    public string? For(string language, string fallbackLanguage) =>
        ByLanguage.TryGetValue(language, out var text) ? text
        : ByLanguage.TryGetValue(fallbackLanguage, out var fallback) ? fallback
        : null;
}

/// <summary>A reference from one step to another, with the line of the reference.</summary>
public sealed record StepRef(string Target, int Line);

/// <summary>One menu key: where it leads and the variables it sets (<c>severity: 1</c>, <c>language: de-DE</c>).</summary>
public sealed record MenuOption(string Key, StepRef Next, ImmutableDictionary<string, string> Sets, int Line);

/// <summary>Digit or speech collection settings of a <see cref="StepKind.Collect"/> step.</summary>
public sealed record CollectSpec(CollectInput Input, int MinLength, int MaxLength, string FinishOnKey, ImmutableArray<string> Hints);

public enum CollectInput { Digits, Speech }

/// <summary>
/// The kinds of step. Input steps (<see cref="Menu"/>, <see cref="Language"/>, <see cref="Collect"/>,
/// <see cref="Confirm"/>) wait for the caller; the others run at once. <see cref="IsTerminal"/> kinds end a
/// path: a route, a callback, a message, a queue or a goodbye.
/// </summary>
public enum StepKind { Menu, Language, Collect, Confirm, Action, Say, Route, Callback, Message, Queue, Goodbye }

public static class StepKinds
{
    public static bool WaitsForCaller(this StepKind kind) =>
        kind is StepKind.Menu or StepKind.Language or StepKind.Collect or StepKind.Confirm;

    public static bool IsTerminal(this StepKind kind) =>
        kind is StepKind.Route or StepKind.Callback or StepKind.Message or StepKind.Queue or StepKind.Goodbye;
}

/// <summary>
/// A step of a flow. Only the fields its <see cref="Kind"/> uses are set; the parser refuses the others.
/// </summary>
public sealed record FlowStep(
    string Id,
    StepKind Kind,
    int Line,
    LocalizedText Say,
    ImmutableArray<MenuOption> Options,
    CollectSpec? Collect,
    string? Action,
    ImmutableDictionary<string, StepRef> Outcomes,
    StepRef? Next,
    StepRef? OnFail,
    int? TimeoutSeconds,
    int? MaxAttempts,
    LocalizedText NoInput,
    LocalizedText Invalid,
    LocalizedText NotFound,
    LocalizedText Thanks,
    ImmutableDictionary<string, string> Settings)
{
    /// <summary>Every step this one can lead to, with the line of each reference.</summary>
    public IEnumerable<StepRef> Exits()
    {
        foreach (var option in Options) yield return option.Next;
        foreach (var outcome in Outcomes.Values) yield return outcome;
        if (Next is not null) yield return Next;
        if (OnFail is not null) yield return OnFail;
    }
}

public sealed class UnknownStepException(string flowId, string stepId)
    : Exception($"Flow '{flowId}' has no step '{stepId}'.");
