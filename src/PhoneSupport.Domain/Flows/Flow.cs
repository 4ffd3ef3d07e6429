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
public sealed record FlowLanguage(string Code, string Voice)
{
    /// <summary>The line of the language in the file (0 when not read from a file).</summary>
    public int Line { get; init; }
}

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
    /// <summary>
    /// Further texts of a step kind, by key: a queue step's <c>position</c>, <c>offer</c> and <c>holding</c> (see
    /// <see cref="QueueTexts"/>). Missing ones are the engine's built-in texts.
    /// </summary>
    public ImmutableDictionary<string, LocalizedText> Texts { get; init; } = ImmutableDictionary<string, LocalizedText>.Empty;

    /// <summary>Every step this one can lead to, with the line of each reference.</summary>
    public IEnumerable<StepRef> Exits()
    {
        foreach (var option in Options) yield return option.Next;
        foreach (var outcome in Outcomes.Values) yield return outcome;
        if (Next is not null) yield return Next;
        if (OnFail is not null) yield return OnFail;
    }
}

/// <summary>What a holding caller hears, from the queue step (<c>{position}</c> and <c>{wait}</c> are filled while they hold).</summary>
public static class QueueTexts
{
    /// <summary>Said at each wait: "You are number {position} in line. The estimated wait is about {wait}."</summary>
    public const string Position = "position";

    /// <summary>Added once the caller has held long enough: "To keep holding, press 1. To get a call back instead, press 2."</summary>
    public const string Offer = "offer";

    /// <summary>After the caller pressed 1 to keep holding.</summary>
    public const string Holding = "holding";

    public static readonly ImmutableArray<string> Keys = [Position, Offer, Holding];

    /// <summary>The placeholders these texts may name besides the call's variables.</summary>
    public static readonly ImmutableArray<string> Variables = ["position", "wait"];
}

public sealed class UnknownStepException(string flowId, string stepId)
    : Exception($"Flow '{flowId}' has no step '{stepId}'.");
