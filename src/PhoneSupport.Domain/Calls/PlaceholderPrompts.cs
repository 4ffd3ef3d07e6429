namespace PhoneSupport.Domain.Calls;

/// <summary>
/// What a caller hears where a capability is not switched on yet (routing, callbacks, purchase). Each is the
/// extension point the later feature replaces; the flow continues along the step's fallback exit.
/// </summary>
internal static class PlaceholderPrompts
{
    public static readonly IReadOnlyDictionary<string, string> Routing = new Dictionary<string, string>
    {
        ["en"] = "Live connection to a technician is not switched on for this line yet.",
        ["de"] = "Die direkte Verbindung zu einem Techniker ist für diese Leitung noch nicht eingeschaltet.",
    };

    public static readonly IReadOnlyDictionary<string, string> Callback = new Dictionary<string, string>
    {
        ["en"] = "Scheduling a callback is not switched on for this line yet. Please open a support ticket on our website and a technician will respond. Goodbye.",
        ["de"] = "Rückrufe sind für diese Leitung noch nicht eingeschaltet. Bitte eröffnen Sie einen Fall im Kundenportal, ein Techniker meldet sich bei Ihnen. Auf Wiederhören.",
    };

    public static readonly IReadOnlyDictionary<string, string> Purchase = new Dictionary<string, string>
    {
        ["en"] = "Buying a phone incident over the phone is not switched on yet.",
        ["de"] = "Der Kauf eines Telefon-Supportfalls ist noch nicht eingeschaltet.",
    };
}
