using static PhoneSupport.Twilio.TwiML.TwiMLFormat;

namespace PhoneSupport.Twilio.TwiML;

/// <summary><c>&lt;Pause length /&gt;</c>: silence, 1 second by default.</summary>
public sealed class Pause(int? length = null) : TwiMLVerb("Pause")
{
    public int? Length { get; set; } = length;

    protected override IEnumerable<KeyValuePair<string, string?>> GetAttributes() =>
    [
        Attr("length", Int(Length)),
    ];
}
