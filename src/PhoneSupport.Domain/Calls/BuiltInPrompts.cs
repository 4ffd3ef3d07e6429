namespace PhoneSupport.Domain.Calls;

/// <summary>
/// What the engine itself says around routing, callbacks and the queue (the flow files hold everything a provider
/// words differently), by primary language subtag. English, German: the flow validator refuses a flow declaring a
/// language one of these lacks (<see cref="All"/>).
/// </summary>
internal static class BuiltInPrompts
{
    /// <summary>What a caller hears when a webhook of their call failed (the host's apology, in the call's language).</summary>
    public static readonly IReadOnlyDictionary<string, string> TechnicalDifficulties = new Dictionary<string, string>
    {
        ["en"] = "We're sorry, we are having technical difficulties. Please call again in a few minutes, or open a ticket on our support website. Goodbye.",
        ["de"] = "Es tut uns leid, wir haben technische Schwierigkeiten. Bitte rufen Sie in einigen Minuten wieder an, oder eröffnen Sie einen Fall auf unserer Support-Website. Auf Wiederhören.",
    };

    /// <summary>The queue step's <c>position</c> text when the flow gives none.</summary>
    public static readonly IReadOnlyDictionary<string, string> QueuePosition = new Dictionary<string, string>
    {
        ["en"] = "You are number {position} in line. The estimated wait is about {wait}.",
        ["de"] = "Sie sind an Position {position} in der Warteschlange. Die geschätzte Wartezeit beträgt etwa {wait}.",
    };

    /// <summary>The queue step's <c>offer</c> text when the flow gives none.</summary>
    public static readonly IReadOnlyDictionary<string, string> QueueOffer = new Dictionary<string, string>
    {
        ["en"] = "To keep holding, press 1. To get a call back instead, press 2.",
        ["de"] = "Um weiter zu warten, drücken Sie die 1. Für einen Rückruf drücken Sie die 2.",
    };

    /// <summary>The queue step's <c>holding</c> text when the flow gives none.</summary>
    public static readonly IReadOnlyDictionary<string, string> QueueHolding = new Dictionary<string, string>
    {
        ["en"] = "Thank you for holding.",
        ["de"] = "Danke für Ihre Geduld.",
    };

    public static readonly IReadOnlyDictionary<string, string> Connecting = new Dictionary<string, string>
    {
        ["en"] = "Please hold while I connect you with a technician.",
        ["de"] = "Bitte bleiben Sie dran, ich verbinde Sie mit einem Techniker.",
    };

    public static readonly IReadOnlyDictionary<string, string> NoTechnician = new Dictionary<string, string>
    {
        ["en"] = "All our technicians are busy right now.",
        ["de"] = "Alle unsere Techniker sind gerade beschäftigt.",
    };

    /// <summary>A transfer's colleague did not take the call and the first technician cannot take it back (decision 013).</summary>
    public static readonly IReadOnlyDictionary<string, string> TransferNotTaken = new Dictionary<string, string>
    {
        ["en"] = "Your colleague is not available.",
        ["de"] = "Ihr Kollege ist leider nicht erreichbar.",
    };

    public static readonly IReadOnlyDictionary<string, string> AfterCall = new Dictionary<string, string>
    {
        ["en"] = "Thank you for calling. Goodbye.",
        ["de"] = "Danke für Ihren Anruf. Auf Wiederhören.",
    };

    public static readonly IReadOnlyDictionary<string, string> ConfirmNumber = new Dictionary<string, string>
    {
        ["en"] = "We can call you back at the number ending in {last4}. To use this number, press 1. To enter another number, press 2.",
        ["de"] = "Wir können Sie unter der Nummer mit den Endziffern {last4} zurückrufen. Für diese Nummer drücken Sie die 1. Für eine andere Nummer die 2.",
    };

    public static readonly IReadOnlyDictionary<string, string> EnterNumber = new Dictionary<string, string>
    {
        ["en"] = "Please enter the number we should call you back on, with the country code, followed by the pound key.",
        ["de"] = "Bitte geben Sie die Rückrufnummer mit Landesvorwahl ein, gefolgt von der Rautetaste.",
    };

    public static readonly IReadOnlyDictionary<string, string> BadNumber = new Dictionary<string, string>
    {
        ["en"] = "Sorry, that doesn't look like a phone number.",
        ["de"] = "Entschuldigung, das ist keine gültige Telefonnummer.",
    };

    public static readonly IReadOnlyDictionary<string, string> Scheduled = new Dictionary<string, string>
    {
        ["en"] = "Thank you. A technician will call you back at the number ending in {last4} by {dueAt}. Goodbye.",
        ["de"] = "Danke. Ein Techniker ruft Sie unter der Nummer mit den Endziffern {last4} bis {dueAt} zurück. Auf Wiederhören.",
    };

    public static readonly IReadOnlyDictionary<string, string> NoCallbackNumber = new Dictionary<string, string>
    {
        ["en"] = "Sorry, we could not take a number to call you back on. Please open a support ticket on our website. Goodbye.",
        ["de"] = "Entschuldigung, wir konnten keine Rückrufnummer aufnehmen. Bitte eröffnen Sie einen Fall im Kundenportal. Auf Wiederhören.",
    };

    public static readonly IReadOnlyDictionary<string, string> PurchaseAccepted = new Dictionary<string, string>
    {
        ["en"] = "Thank you. Your {purchasedMinutes}-minute phone incident for {purchasePrice} is booked; it is charged to the card on file after the call.",
        ["de"] = "Vielen Dank. Ihr Telefon-Supportfall über {purchasedMinutes} Minuten für {purchasePrice} ist gebucht; er wird nach dem Gespräch Ihrer hinterlegten Karte belastet.",
    };

    public static readonly IReadOnlyDictionary<string, string> PurchaseRefused = new Dictionary<string, string>
    {
        ["en"] = "Sorry, we have no card on file for your account, so we cannot take the purchase by phone. You can buy a phone incident in the control panel.",
        ["de"] = "Entschuldigung, für Ihr Konto ist keine Karte hinterlegt; den Kauf können wir telefonisch nicht annehmen. Sie können einen Telefon-Supportfall im Kundenportal kaufen.",
    };

    /// <summary>Every built-in prompt by name, for the validator's translation check.</summary>
    public static readonly IReadOnlyList<(string Name, IReadOnlyDictionary<string, string> Texts)> All =
    [
        (nameof(TechnicalDifficulties), TechnicalDifficulties), (nameof(QueuePosition), QueuePosition), (nameof(QueueOffer), QueueOffer), (nameof(QueueHolding), QueueHolding),
        (nameof(Connecting), Connecting), (nameof(NoTechnician), NoTechnician), (nameof(AfterCall), AfterCall),
        (nameof(ConfirmNumber), ConfirmNumber), (nameof(EnterNumber), EnterNumber), (nameof(BadNumber), BadNumber),
        (nameof(Scheduled), Scheduled), (nameof(NoCallbackNumber), NoCallbackNumber),
        (nameof(PurchaseAccepted), PurchaseAccepted), (nameof(PurchaseRefused), PurchaseRefused),
        (nameof(TransferNotTaken), TransferNotTaken),
    ];
}
