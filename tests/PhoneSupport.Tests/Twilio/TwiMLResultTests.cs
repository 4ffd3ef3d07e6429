using System.Text;
using Microsoft.AspNetCore.Http;
using PhoneSupport.Twilio;
using PhoneSupport.Twilio.TwiML;
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

        var expected = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say language=\"pt-BR\">Olá &amp; adeus</Say><Hangup /></Response>";
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("application/xml; charset=utf-8", context.Response.ContentType);
        Assert.Equal(Encoding.UTF8.GetBytes(expected), ((MemoryStream)context.Response.Body).ToArray());
        Assert.Equal(Encoding.UTF8.GetByteCount(expected), context.Response.ContentLength);
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
