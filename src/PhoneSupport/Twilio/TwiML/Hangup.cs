namespace PhoneSupport.Twilio.TwiML;

/// <summary><c>&lt;Hangup /&gt;</c>: ends the call.</summary>
public sealed class Hangup() : TwiMLVerb("Hangup");
