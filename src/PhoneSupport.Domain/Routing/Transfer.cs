using PhoneSupport.Domain.Calls;

namespace PhoneSupport.Domain.Routing;

/// <summary>
/// How a call is handed to a colleague (decision 013): <see cref="Cold"/> moves the caller straight to the colleague's
/// phone; <see cref="Warm"/> lets the colleague hear the whisper and accept first, and only then is the caller bridged.
/// </summary>
public enum TransferMode { Cold, Warm }

/// <summary>The words and rules of a transfer: pure, per language.</summary>
public static class Transfer
{
    /// <summary><c>cold</c> or <c>warm</c> (case-insensitive); null for anything else.</summary>
    public static TransferMode? ParseMode(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "cold" => TransferMode.Cold,
        "warm" => TransferMode.Warm,
        _ => null,
    };

    public static string Name(this TransferMode mode) => mode == TransferMode.Cold ? "cold" : "warm";

    /// <summary>The reservation key the colleague is held under while the first technician still holds the call.</summary>
    public static string ReservationKey(Guid transferId) => "tr-" + transferId.ToString("N");

    /// <summary>What the caller hears as they are moved.</summary>
    public static string Hold(Speech speech) => speech == Speech.German
        ? "Einen Moment bitte, ich verbinde Sie mit einem Kollegen."
        : "Please hold while I transfer you to a colleague.";

    /// <summary>What the caller hears when the colleague did not take the call.</summary>
    public static string NotTaken(Speech speech) => speech == Speech.German
        ? "Leider konnte Ihr Anruf nicht übergeben werden. Bitte rufen Sie noch einmal an. Auf Wiederhören."
        : "We are sorry, your call could not be transferred. Please call again. Goodbye.";

    /// <summary>What the caller hears when the colleague did not take the call and the first technician takes them back.</summary>
    public static string Back(Speech speech) => speech == Speech.German
        ? "Ihr Kollege ist leider nicht erreichbar. Ich verbinde Sie zurück."
        : "Your colleague is not available; connecting you back.";

    /// <summary>
    /// Why a transfer's colleague did not take the call, from the transfer <c>&lt;Dial&gt;</c>'s <c>DialCallStatus</c> and
    /// whether the colleague declined at the whisper: <c>declined</c>, <c>busy</c>, <c>failed</c> or <c>no-answer</c>.
    /// </summary>
    public static string NotTakenReason(string? dialCallStatus, bool declinedAtWhisper) =>
        declinedAtWhisper ? "declined" : dialCallStatus switch
        {
            "busy" => "busy",
            "failed" => "failed",
            _ => "no-answer",
        };

    /// <summary>The line the colleague hears before the usual whisper, naming who hands the call over.</summary>
    public static string From(Speech speech, string technicianName) => speech == Speech.German
        ? $"Weitergeleitet von {technicianName}."
        : $"Transferred by {technicianName}.";
}
