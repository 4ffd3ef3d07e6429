using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Twilio;

/// <summary>
/// The <c>/twilio</c> routes, mapped in one block of Program.cs (issue 14): every path Twilio is given (API.md's two, and the ones
/// the service writes into TwiML) is still there byte for byte, nothing else is under <c>/twilio</c>, and each one refuses an
/// unsigned request with 403 before its handler runs.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class TwilioRouteMapTests(ServiceFixture fixture)
{
    private static readonly string[] Paths =
    [
        "/twilio/sms",
        "/twilio/voice",
        "/twilio/voice/callback",
        "/twilio/voice/callback/accept",
        "/twilio/voice/callback/dialed",
        "/twilio/voice/callback/status",
        "/twilio/voice/queue/choice",
        "/twilio/voice/queue/connect",
        "/twilio/voice/queue/wait",
        "/twilio/voice/recording",
        "/twilio/voice/status",
        "/twilio/voice/step",
        "/twilio/voice/transfer",
        "/twilio/voice/transfer/answer",
        "/twilio/voice/transfer/ended",
        "/twilio/voice/transfer/leg",
        "/twilio/voice/transfer/whisper",
        "/twilio/voice/whisper",
        "/twilio/voice/whisper/answer",
    ];

    [Fact]
    public void The_twilio_routes_keep_their_paths()
    {
        var routes = fixture.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Path: "/" + e.RoutePattern.RawText!.TrimStart('/'), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods))
            .Where(r => r.Path.StartsWith("/twilio/", StringComparison.Ordinal) || r.Path == "/twilio")
            .ToList();
        Assert.Equal(Paths, routes.Select(r => r.Path).Order(StringComparer.Ordinal));
        Assert.All(routes, r => Assert.Equal(["POST"], r.Methods!));
    }

    [Fact]
    public async Task Every_twilio_route_refuses_an_unsigned_request()
    {
        using var client = fixture.Factory.CreateClient();
        // Every query parameter a route binds, valid, so binding cannot answer first; the form a webhook would carry.
        const string query = "?call=CA00000000000000000000000000000014&tech=0193a0b4-0000-7000-8000-000000000014&cb=0193a0b4-0000-7000-8000-000000000015"
            + "&transfer=0193a0b4-0000-7000-8000-000000000016&seq=1";
        var answers = new List<string>();
        foreach (var path in Paths)
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["CallSid"] = "CA00000000000000000000000000000014", ["From"] = "+15550100001", ["To"] = "+17038803095", ["Digits"] = "1",
            });
            using var response = await client.PostAsync(path + query, form);
            answers.Add($"{path}: {(int)response.StatusCode}");
        }
        Assert.Equal(Paths.Select(p => $"{p}: {(int)HttpStatusCode.Forbidden}"), answers);
    }
}
