namespace PhoneSupport.Twilio.TwiML;

/// <summary><c>&lt;Leave /&gt;</c>: in a queue's wait URL, takes the caller out of the queue; the <c>Enqueue</c> action gets <c>QueueResult=leave</c>.</summary>
public sealed class Leave() : TwiMLVerb("Leave");
