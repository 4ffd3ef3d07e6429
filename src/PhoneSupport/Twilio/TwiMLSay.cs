using Twilio.TwiML;
using Twilio.TwiML.Voice;

namespace PhoneSupport.Twilio;

/// <summary>
/// <c>&lt;Say&gt;</c> with an optional voice and language as the flows give them (plain strings, <c>null</c> for
/// Twilio's default). The library's string-enum conversions throw on a <c>null</c> string, so an unset value is
/// passed as a <c>null</c> enum and the attribute is left out.
/// </summary>
public static class TwiMLSay
{
    public static VoiceResponse Utter(this VoiceResponse response, string text, string? voice, string? language) =>
        response.Say(text, voice: Voice(voice), language: SayLanguage(language));

    public static Gather Utter(this Gather gather, string text, string? voice, string? language) =>
        gather.Say(text, voice: Voice(voice), language: SayLanguage(language));

    public static Say.VoiceEnum? Voice(string? voice) => voice is null ? null : (Say.VoiceEnum)voice;

    public static Say.LanguageEnum? SayLanguage(string? language) => language is null ? null : (Say.LanguageEnum)language;

    public static Gather.LanguageEnum? GatherLanguage(string? language) => language is null ? null : (Gather.LanguageEnum)language;
}
