using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using PhoneSupport.Twilio;
using Twilio.TwiML;
using Xunit;

namespace PhoneSupport.Tests.Twilio;

public sealed class TwiMLResultTests
{
    [Fact]
    public async Task ExecuteAsync_WritesUtf8XmlWithContentType()
    {
        var response = new VoiceResponse().Say("Olá & adeus", language: "pt-BR").Hangup();
        var context = new DefaultHttpContext { Response = { Body = new MemoryStream() } };

        await response.ToResult().ExecuteAsync(context);

        var body = ((MemoryStream)context.Response.Body).ToArray();
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("application/xml; charset=utf-8", context.Response.ContentType);
        Assert.Equal(body.Length, context.Response.ContentLength);
        Assert.Equal((byte)'<', body[0]);
        var text = Encoding.UTF8.GetString(body);
        Assert.Equal(response.ToString(SaveOptions.DisableFormatting), text);
        Assert.StartsWith(TwiMLAssert.Declaration, text, StringComparison.OrdinalIgnoreCase);
        TwiMLAssert.Equal(XElement.Parse("<Response><Say language=\"pt-BR\">Olá &amp; adeus</Say><Hangup /></Response>"), XDocument.Parse(text).Root!);
    }

    [Fact]
    public async Task ExecuteAsync_WithMessagingResponse_WritesTheMessage()
    {
        var context = new DefaultHttpContext { Response = { Body = new MemoryStream() } };

        await new MessagingResponse().Message("Quote accepted.").ToResult().ExecuteAsync(context);

        Assert.Equal("application/xml; charset=utf-8", context.Response.ContentType);
        var sent = XDocument.Parse(Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray())).Root!;
        TwiMLAssert.Equal(XElement.Parse("<Response><Message>Quote accepted.</Message></Response>"), sent);
    }

    [Fact]
    public async Task ExecuteAsync_WithOversizedDocument_ThrowsBeforeWriting()
    {
        var result = new VoiceResponse().Say(new string('x', 70_000)).ToResult();
        var context = new DefaultHttpContext { Response = { Body = new MemoryStream() } };

        await Assert.ThrowsAsync<TwiMLTooLargeException>(() => result.ExecuteAsync(context));
        Assert.Equal(0, context.Response.Body.Length);
    }

    [Fact]
    public void ToResult_ExposesStatusAndContentTypeMetadata()
    {
        var result = new VoiceResponse().ToResult();

        Assert.Equal(200, ((IStatusCodeHttpResult)result).StatusCode);
        Assert.Equal("application/xml; charset=utf-8", ((IContentTypeHttpResult)result).ContentType);
    }
}
