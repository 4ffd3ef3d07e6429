namespace PhoneSupport.Twilio.TwiML;

/// <summary><c>&lt;Gather input&gt;</c>: written as <c>dtmf</c>, <c>speech</c> or <c>dtmf speech</c>.</summary>
[Flags]
public enum GatherInput
{
    Dtmf = 1,
    Speech = 2,
    DtmfSpeech = Dtmf | Speech,
}

/// <summary><c>&lt;Dial record&gt;</c>, written in kebab case (<c>do-not-record</c>).</summary>
public enum DialRecord
{
    DoNotRecord,
    RecordFromAnswer,
    RecordFromRinging,
    RecordFromAnswerDual,
    RecordFromRingingDual,
}

/// <summary><c>&lt;Record trim&gt;</c>, written in kebab case (<c>trim-silence</c>).</summary>
public enum RecordTrim
{
    TrimSilence,
    DoNotTrim,
}

/// <summary><c>&lt;Reject reason&gt;</c>.</summary>
public enum RejectReason
{
    Rejected,
    Busy,
}

/// <summary>A value of <c>statusCallbackEvent</c>; several are joined with one space.</summary>
public enum CallProgressEvent
{
    Initiated,
    Ringing,
    Answered,
    Completed,
}
