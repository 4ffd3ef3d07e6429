using System.Collections.Immutable;
using System.Globalization;
using NodaTime;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Domain.Routing;

/// <summary>
/// What a technician hears before taking a forwarded call: who is calling, on what contract or plan, how
/// severe, in which window, and whether it uses an included incident or carries a price — in the technician's
/// language (<see cref="LanguageFor"/>), whatever language the caller chose.
/// </summary>
public static class Whisper
{
    public static string For(ImmutableDictionary<string, string> vars) => For(vars, Speech.English);

    public static string For(ImmutableDictionary<string, string> vars, Speech speech)
    {
        var words = speech == Speech.German ? German : English;
        var parts = new List<string> { string.Format(CultureInfo.InvariantCulture, words.From, vars.GetValueOrDefault("accountName") ?? words.Unidentified) };
        if (vars.GetValueOrDefault("contractNumber") is { } contract) parts.Add($"{words.Contract} {string.Join(' ', contract.ToCharArray())}");
        else if (vars.GetValueOrDefault("membership") is { } membership) parts.Add(string.Format(CultureInfo.InvariantCulture, words.Plan, membership));
        if (vars.GetValueOrDefault("severity") is { } severity) parts.Add($"{words.Severity} {severity}");
        if (vars.GetValueOrDefault("window") is { } window)
            parts.Add(string.Format(CultureInfo.InvariantCulture, words.Window, Windows.TryParse(window, out var w) ? speech.Window(w) : window));
        var price = Price(vars, speech);
        switch (vars.GetValueOrDefault("decision"))
        {
            case "liveRouteUsingIncluded":
                var talk = long.TryParse(vars.GetValueOrDefault("includedTalkMinutes"), CultureInfo.InvariantCulture, out var minutes)
                    ? speech.Duration(Duration.FromMinutes(minutes)) : vars.GetValueOrDefault("includedTalk") ?? words.IncludedTime;
                parts.Add(string.Format(CultureInfo.InvariantCulture, words.Included, talk, price));
                break;
            case "liveRouteWithPrice":
                parts.Add(string.Format(CultureInfo.InvariantCulture, words.Billed, price));
                break;
        }
        if (Target(vars, speech) is { } target) parts.Add($"{words.Target} {target}");
        return string.Join(", ", parts) + words.Accept;
    }

    /// <summary>
    /// The language a technician hears the whisper in: the caller's, when the technician speaks it; otherwise the first of
    /// the technician's languages the service speaks; English when none is.
    /// </summary>
    public static Speech LanguageFor(IReadOnlyList<string> technicianLanguages, string? callerLanguage)
    {
        var spoken = technicianLanguages.Select(Speech.Primary).ToList();
        if (callerLanguage is not null && spoken.Contains(Speech.Primary(callerLanguage)) && Speech.Find(callerLanguage) is { } caller) return caller;
        return spoken.Select(Speech.Find).FirstOrDefault(s => s is not null) ?? Speech.English;
    }

    /// <summary>What the technician hears around the whisper, in their language.</summary>
    public static string Line(Speech speech, WhisperLine line) => (speech == Speech.German, line) switch
    {
        (false, WhisperLine.NoAnswer) => "No answer. The call goes to the next technician.",
        (false, WhisperLine.Gone) => "This call is no longer waiting. Goodbye.",
        (false, WhisperLine.Connecting) => "Connecting.",
        (false, WhisperLine.Taken) => "This call was already taken or has ended. Goodbye.",
        (false, _) => "Declined. Goodbye.",
        (true, WhisperLine.NoAnswer) => "Keine Antwort. Der Anruf geht an den nächsten Techniker.",
        (true, WhisperLine.Gone) => "Dieser Anruf wartet nicht mehr. Auf Wiederhören.",
        (true, WhisperLine.Connecting) => "Ich verbinde.",
        (true, WhisperLine.Taken) => "Dieser Anruf wurde schon angenommen oder ist beendet. Auf Wiederhören.",
        (true, _) => "Abgelehnt. Auf Wiederhören.",
    };

    private static string? Price(ImmutableDictionary<string, string> vars, Speech speech) =>
        long.TryParse(vars.GetValueOrDefault("rateAmount"), CultureInfo.InvariantCulture, out var amount) && vars.GetValueOrDefault("rateCurrency") is { } currency
            ? speech.PerHour(new Money(amount, currency))
            : vars.GetValueOrDefault("price");

    private static string? Target(ImmutableDictionary<string, string> vars, Speech speech)
    {
        if (int.TryParse(vars.GetValueOrDefault("targetBusinessDays"), CultureInfo.InvariantCulture, out var days)) return speech.Target(ResponseTarget.Days(days));
        if (long.TryParse(vars.GetValueOrDefault("targetMinutes"), CultureInfo.InvariantCulture, out var minutes)) return speech.Target(ResponseTarget.Of(Duration.FromMinutes(minutes)));
        return vars.GetValueOrDefault("target");
    }

    private sealed record Words(string From, string Unidentified, string Contract, string Plan, string Severity, string Window,
        string Included, string IncludedTime, string Billed, string Target, string Accept);

    private static readonly Words English = new(
        "Support call from {0}", "an unidentified caller", "contract", "{0} plan", "severity", "{0} window",
        "uses an included incident, up to {0}, then {1}", "the included time", "billed at {0}, accepted by the caller", "response target",
        ". Press 1 to accept, or any other key to decline.");

    private static readonly Words German = new(
        "Supportanruf von {0}", "einem nicht identifizierten Anrufer", "Vertrag", "Tarif {0}", "Schweregrad", "Zeitfenster {0}",
        "nutzt einen inklusiven Supportfall, bis zu {0}, danach {1}", "der inklusiven Zeit", "abgerechnet mit {0}, vom Anrufer angenommen", "Reaktionsziel",
        ". Drücken Sie die 1, um anzunehmen, oder eine andere Taste, um abzulehnen.");
}

public enum WhisperLine { NoAnswer, Gone, Connecting, Taken, Declined }
