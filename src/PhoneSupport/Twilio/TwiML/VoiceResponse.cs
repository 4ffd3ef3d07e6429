namespace PhoneSupport.Twilio.TwiML;

/// <summary>
/// The root <c>&lt;Response&gt;</c> of a voice TwiML document. Verbs run in the order appended.
/// <code>new VoiceResponse().Say("Hello", voice: "Polly.Joanna", language: "en-US").Hangup().ToString()</code>
/// </summary>
public sealed class VoiceResponse() : TwiMLElement("Response")
{
    /// <summary>Adds any verb (<c>Gather</c>, <c>Dial</c>, …) after the existing ones.</summary>
    public VoiceResponse Append(TwiMLVerb verb)
    {
        AppendChild(verb);
        return this;
    }

    public VoiceResponse Say(string? message = null, string? voice = null, int? loop = null, string? language = null) =>
        Append(new Say(message, voice, loop, language));

    public VoiceResponse Play(Uri? url = null, int? loop = null, string? digits = null) =>
        Append(new Play(url, loop, digits));

    public VoiceResponse Pause(int? length = null) => Append(new Pause(length));

    public VoiceResponse Gather(
        GatherInput? input = null,
        Uri? action = null,
        HttpMethod? method = null,
        int? timeout = null,
        string? speechTimeout = null,
        string? finishOnKey = null,
        int? numDigits = null,
        string? language = null,
        string? hints = null,
        bool? actionOnEmptyResult = null) =>
        Append(new Gather(
            input, action, method, timeout, speechTimeout, finishOnKey, numDigits, language, hints, actionOnEmptyResult));

    public VoiceResponse Dial(
        string? number = null,
        Uri? action = null,
        HttpMethod? method = null,
        int? timeout = null,
        int? timeLimit = null,
        string? callerId = null,
        DialRecord? record = null,
        bool? answerOnBridge = null,
        string? ringTone = null) =>
        Append(new Dial(number, action, method, timeout, timeLimit, callerId, record, answerOnBridge, ringTone));

    public VoiceResponse Enqueue(
        string? name = null,
        Uri? action = null,
        int? maxQueueSize = null,
        HttpMethod? method = null,
        Uri? waitUrl = null,
        HttpMethod? waitUrlMethod = null) =>
        Append(new Enqueue(name, action, maxQueueSize, method, waitUrl, waitUrlMethod));

    public VoiceResponse Redirect(Uri url, HttpMethod? method = null) => Append(new Redirect(url, method));

    public VoiceResponse Record(
        Uri? action = null,
        HttpMethod? method = null,
        int? timeout = null,
        string? finishOnKey = null,
        int? maxLength = null,
        bool? playBeep = null,
        RecordTrim? trim = null,
        bool? transcribe = null,
        Uri? recordingStatusCallback = null) =>
        Append(new Record(action, method, timeout, finishOnKey, maxLength, playBeep, trim, transcribe) { RecordingStatusCallback = recordingStatusCallback });

    public VoiceResponse Hangup() => Append(new Hangup());

    public VoiceResponse Leave() => Append(new Leave());

    public VoiceResponse Reject(RejectReason? reason = null) => Append(new Reject(reason));
}
