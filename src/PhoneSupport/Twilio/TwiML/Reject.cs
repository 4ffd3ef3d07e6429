using static PhoneSupport.Twilio.TwiML.TwiMLFormat;

namespace PhoneSupport.Twilio.TwiML;

/// <summary><c>&lt;Reject reason /&gt;</c>: as the first verb, declines the call without answering it.</summary>
public sealed class Reject(RejectReason? reason = null) : TwiMLVerb("Reject")
{
    /// <summary><c>reason</c>: <c>rejected</c> (Twilio's default) or <c>busy</c>.</summary>
    public RejectReason? Reason { get; set; } = reason;

    protected override IEnumerable<KeyValuePair<string, string?>> GetAttributes() =>
    [
        Attr("reason", Kebab(Reason)),
    ];
}
