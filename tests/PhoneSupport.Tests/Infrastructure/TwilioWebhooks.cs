using System.Xml.Linq;
using PhoneSupport.Emulators.Twilio;

namespace PhoneSupport.Tests.Infrastructure;

/// <summary>Posts single webhooks as Twilio would (form body, X-Twilio-Signature over the public URL).</summary>
public sealed class TwilioWebhooks(HttpClient client, string authToken = ServiceFixture.AuthToken)
{
    public static string NewCallSid() => "CA" + Guid.NewGuid().ToString("N");

    public static Dictionary<string, string?> IncomingCall(string callSid, string to = "+17038803095", string from = "+15559990000") => new()
    {
        ["CallSid"] = callSid,
        ["AccountSid"] = ServiceFixture.AccountSid,
        ["From"] = from,
        ["To"] = to,
        ["Caller"] = from,
        ["Called"] = to,
        ["CallStatus"] = "ringing",
        ["Direction"] = "inbound",
        ["ApiVersion"] = "2010-04-01",
    };

    /// <summary>POSTs <paramref name="form"/> to <paramref name="pathAndQuery"/>; <paramref name="signature"/> overrides the computed one ("" = no header).</summary>
    public async Task<HttpResponseMessage> PostAsync(string pathAndQuery, IDictionary<string, string?> form, string? signature = null)
    {
        var url = ServiceFixture.PublicBaseUrl + pathAndQuery;
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new FormUrlEncodedContent(form.Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value ?? ""))),
        };
        var header = signature ?? TwilioSigner.Sign(authToken, url, form);
        if (header.Length > 0) request.Headers.Add(TwilioSigner.HeaderName, header);
        return await client.SendAsync(request);
    }

    public async Task<XDocument> PostTwimlAsync(string pathAndQuery, IDictionary<string, string?> form)
    {
        using var response = await PostAsync(pathAndQuery, form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{pathAndQuery} answered {(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/xml", response.Content.Headers.ContentType?.ToString());
        return XDocument.Parse(body);
    }

    /// <summary>The path and query of the first Gather action (or Record action) in a TwiML answer.</summary>
    public static string ActionOf(XDocument twiml)
    {
        var action = twiml.Descendants().First(e => e.Name.LocalName is "Gather" or "Record").Attribute("action")!.Value;
        return new Uri(action).PathAndQuery;
    }

    public static string Spoken(XDocument twiml) => string.Join(" ", twiml.Descendants("Say").Select(s => s.Value));
}
