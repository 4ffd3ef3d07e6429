using System.Text;
using System.Xml.Linq;
using PhoneSupport.Twilio;
using Twilio.TwiML;
using Twilio.TwiML.Voice;
using Xunit;
using Record = Twilio.TwiML.Voice.Record;

namespace PhoneSupport.Tests.Twilio;

/// <summary>Document-level rules of what the service sends: escaping, UTF-8, one line, the 64 kB limit.</summary>
public sealed class TwiMLDocumentTests
{
    private static XElement Sent(TwiML response) => XDocument.Parse(TwiMLAssert.Wire(response)).Root!;

    [Fact]
    public void Text_IsXmlEscaped()
    {
        const string text = "Tom & Jerry <3 > \"quoted\" 'apos'";
        var wire = TwiMLAssert.Wire(new VoiceResponse().Say(text));

        Assert.Contains("Tom &amp; Jerry &lt;3 &gt;", wire, StringComparison.Ordinal);
        Assert.Equal(text, Sent(new VoiceResponse().Say(text)).Element("Say")!.Value);
    }

    [Fact]
    public void Attributes_AreXmlEscaped()
    {
        const string voice = "a\"b<c>&d'e";
        var wire = TwiMLAssert.Wire(new VoiceResponse().Say("x", voice: voice));

        Assert.Contains("a&quot;b&lt;c&gt;&amp;d'e", wire, StringComparison.Ordinal);
        Assert.Equal(voice, Sent(new VoiceResponse().Say("x", voice: voice)).Element("Say")!.Attribute("voice")!.Value);
    }

    [Fact]
    public void NonAscii_IsKeptAsUtf8()
    {
        const string text = "Olá, não é possível — ä 日本 🎉";
        var response = new VoiceResponse().Say(text, language: "pt-BR");

        var bytes = response.ToResult().ToUtf8Bytes();
        Assert.Equal(text, XDocument.Parse(Encoding.UTF8.GetString(bytes)).Root!.Element("Say")!.Value);
        // Written as UTF-8 characters, not as character references.
        Assert.Contains(text, Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void Urls_AreWrittenWithTheirQueryEscapedOnlyAsXml()
    {
        const string url = "https://service.example/twilio/voice/step?seq=3&noInput=1";
        var sent = Sent(new VoiceResponse().Redirect(new Uri(url)));

        Assert.Equal(url, sent.Element("Redirect")!.Value);
    }

    [Fact]
    public void UnsetAttributes_AreOmitted()
    {
        TwiMLAssert.Equal(
            "<Response><Gather /><Dial /><Enqueue /><Record /></Response>",
            new VoiceResponse().Append(new Gather()).Append(new Dial()).Append(new Enqueue()).Append(new Record()));
    }

    [Fact]
    public void Document_IsOneLineStartingWithTheDeclaration()
    {
        var response = new VoiceResponse()
            .Append(new Gather(input: [Gather.InputEnum.Dtmf], numDigits: 1).Say("Press 1"))
            .Say("We did not get that.")
            .Redirect(new Uri("https://service.example/voice/menu"));
        var text = TwiMLAssert.Wire(response);

        Assert.StartsWith(TwiMLAssert.Declaration + "<Response>", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', text);
        Assert.DoesNotContain('\r', text);
        TwiMLAssert.Equal(
            "<Response><Gather input=\"dtmf\" numDigits=\"1\"><Say>Press 1</Say></Gather>"
            + "<Say>We did not get that.</Say><Redirect>https://service.example/voice/menu</Redirect></Response>",
            response);
    }

    [Fact]
    public void Document_WithoutByteOrderMark_StartsWithLessThan()
    {
        Assert.Equal((byte)'<', new VoiceResponse().Hangup().ToResult().ToUtf8Bytes()[0]);
    }

    [Fact]
    public void Document_Over64KiloBytes_Throws()
    {
        var result = new VoiceResponse().Say(new string('a', 70_000)).ToResult();

        var exception = Assert.Throws<TwiMLTooLargeException>(result.ToUtf8Bytes);
        Assert.Equal(TwiMLResult.MaxDocumentBytes, exception.Limit);
        Assert.True(exception.Size > 70_000);
    }

    [Fact]
    public void Document_SizeLimit_CountsUtf8BytesNotCharacters()
    {
        Assert.Throws<TwiMLTooLargeException>(new VoiceResponse().Say(new string('ä', 33_000)).ToResult().ToUtf8Bytes);
        Assert.Equal((byte)'<', new VoiceResponse().Say(new string('a', 60_000)).ToResult().ToUtf8Bytes()[0]);
    }

    [Fact]
    public void Document_JustUnderTheLimit_IsSent()
    {
        var overhead = new VoiceResponse().Say("a").ToResult().ToUtf8Bytes().Length - 1;
        var fits = new VoiceResponse().Say(new string('a', TwiMLResult.MaxDocumentBytes - overhead)).ToResult();

        Assert.Equal(TwiMLResult.MaxDocumentBytes, fits.ToUtf8Bytes().Length);
        Assert.Throws<TwiMLTooLargeException>(new VoiceResponse().Say(new string('a', TwiMLResult.MaxDocumentBytes - overhead + 1)).ToResult().ToUtf8Bytes);
    }
}
