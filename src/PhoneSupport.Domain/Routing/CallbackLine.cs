using System.Globalization;
using NodaTime;
using PhoneSupport.Domain.Calls;

namespace PhoneSupport.Domain.Routing;

/// <summary>What a technician hears on a callback's outbound call, in the technician's language (<see cref="Whisper.LanguageFor"/>).</summary>
public static class CallbackLine
{
    public enum Line { HandledElsewhere, NoLongerWaiting, NoAnswer, Passed, CallingCustomer, Done, Missed, RetryLater }

    /// <summary>"Callback for Acme, promised by Wednesday at 20:00, attempt 1. Press 1 to call the customer now, or any other key to pass."</summary>
    public static string Offer(Speech speech, string? account, LocalDateTime promisedBy, int attempt) => speech == Speech.German
        ? $"Rückruf für {account ?? "einen Anrufer"}, versprochen bis {speech.DueAt(promisedBy)}, Versuch {attempt.ToString(CultureInfo.InvariantCulture)}. " +
          "Drücken Sie die 1, um den Kunden jetzt anzurufen, oder eine andere Taste, um ihn weiterzugeben."
        : $"Callback for {account ?? "a caller"}, promised by {speech.DueAt(promisedBy)}, attempt {attempt.ToString(CultureInfo.InvariantCulture)}. " +
          "Press 1 to call the customer now, or any other key to pass.";

    public static string Say(Speech speech, Line line) => (speech == Speech.German, line) switch
    {
        (false, Line.HandledElsewhere) => "This callback is being handled on another call. Goodbye.",
        (false, Line.NoLongerWaiting) => "This callback is no longer waiting. Goodbye.",
        (false, Line.NoAnswer) => "No answer. The callback goes to the next technician.",
        (false, Line.Passed) => "Passed. Goodbye.",
        (false, Line.CallingCustomer) => "Calling the customer.",
        (false, Line.Done) => "Thank you. Goodbye.",
        (false, Line.Missed) => "The customer did not answer. That was the last attempt; the callback is marked missed. Goodbye.",
        (false, _) => "The customer did not answer. We will try again later. Goodbye.",
        (true, Line.HandledElsewhere) => "Dieser Rückruf wird in einem anderen Anruf erledigt. Auf Wiederhören.",
        (true, Line.NoLongerWaiting) => "Dieser Rückruf wartet nicht mehr. Auf Wiederhören.",
        (true, Line.NoAnswer) => "Keine Antwort. Der Rückruf geht an den nächsten Techniker.",
        (true, Line.Passed) => "Weitergegeben. Auf Wiederhören.",
        (true, Line.CallingCustomer) => "Ich rufe den Kunden an.",
        (true, Line.Done) => "Danke. Auf Wiederhören.",
        (true, Line.Missed) => "Der Kunde hat nicht geantwortet. Das war der letzte Versuch; der Rückruf ist als verpasst markiert. Auf Wiederhören.",
        (true, _) => "Der Kunde hat nicht geantwortet. Wir versuchen es später noch einmal. Auf Wiederhören.",
    };
}
