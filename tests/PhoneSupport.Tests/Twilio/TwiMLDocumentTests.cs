using System.Text;
using PhoneSupport.Twilio.TwiML;
using Xunit;
using Record = PhoneSupport.Twilio.TwiML.Record;

namespace PhoneSupport.Tests.Twilio;

/// <summary>Document-level rules: escaping, UTF-8, one line, the 64 kB limit.</summary>
public sealed class TwiMLDocumentTests
{
    private const string Declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

    private static string Doc(string body) => Declaration + body;

    [Fact]
    public void Text_IsXmlEscaped()
    {
        Assert.Equal(
            Doc("<Say>Tom &amp; Jerry &lt;3 &gt; \"quoted\" 'apos'</Say>"),
            new Say("Tom & Jerry <3 > \"quoted\" 'apos'").ToString());
    }

    [Fact]
    public void Attributes_AreXmlEscaped()
    {
        Assert.Equal(
            Doc("<Say voice=\"a&quot;b&lt;c&gt;&amp;d'e\">x</Say>"),
            new Say("x", voice: "a\"b<c>&d'e").ToString());
    }

    [Fact]
    public void NonAscii_IsKeptAsUtf8()
    {
        var response = new VoiceResponse().Say("Olá, não é possível — ä 日本 🎉", language: "pt-BR");

        var expected = Doc("<Response><Say language=\"pt-BR\">Olá, não é possível — ä 日本 🎉</Say></Response>");
        Assert.Equal(expected, response.ToString());
        Assert.Equal(Encoding.UTF8.GetBytes(expected), response.ToUtf8Bytes());
    }

    [Fact]
    public void Urls_AreWrittenAsGivenWithoutNormalisation()
    {
        const string url = "HTTPS://Example.COM:443/a/../b?q=%7e&r=x y";

        Assert.Equal(Doc($"<Redirect>{url.Replace("&", "&amp;", StringComparison.Ordinal)}</Redirect>"), new Redirect(new Uri(url)).ToString());
    }

    [Fact]
    public void UnsetAttributes_AreOmitted()
    {
        Assert.Equal(
            Doc("<Response><Gather /><Dial /><Enqueue /><Record /></Response>"),
            new VoiceResponse().Append(new Gather()).Append(new Dial()).Append(new Enqueue()).Append(new Record()).ToString());
    }

    [Fact]
    public void Document_IsOneLineStartingWithTheDeclaration()
    {
        var text = new VoiceResponse()
            .Append(new Gather(GatherInput.Dtmf, numDigits: 1).Say("Press 1"))
            .Say("We did not get that.")
            .Redirect(new Uri("/voice/menu", UriKind.Relative))
            .ToString();

        Assert.StartsWith(Declaration + "<Response>", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', text);
        Assert.DoesNotContain('\r', text);
        Assert.Equal(
            Doc("<Response><Gather input=\"dtmf\" numDigits=\"1\"><Say>Press 1</Say></Gather>"
                + "<Say>We did not get that.</Say><Redirect>/voice/menu</Redirect></Response>"),
            text);
    }

    [Fact]
    public void Document_WithoutByteOrderMark_StartsWithLessThan()
    {
        Assert.Equal((byte)'<', new VoiceResponse().Hangup().ToUtf8Bytes()[0]);
    }

    [Fact]
    public void Document_Over64KiloBytes_Throws()
    {
        var response = new VoiceResponse().Say(new string('a', 70_000));

        var exception = Assert.Throws<TwiMLTooLargeException>(response.ToString);
        Assert.Equal(TwiMLElement.MaxDocumentBytes, exception.Limit);
        Assert.True(exception.Size > 70_000);
        Assert.Throws<TwiMLTooLargeException>(() => response.ToUtf8Bytes());
    }

    [Fact]
    public void Document_SizeLimit_CountsUtf8BytesNotCharacters()
    {
        Assert.Throws<TwiMLTooLargeException>(new VoiceResponse().Say(new string('ä', 33_000)).ToString);
        Assert.StartsWith(Declaration, new VoiceResponse().Say(new string('a', 60_000)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Append_Null_ThrowsAndAddsNothing()
    {
        var gather = new Gather();

        Assert.Throws<ArgumentNullException>(() => gather.Append((Say)null!));
        Assert.Empty(gather.Children);
    }
}
