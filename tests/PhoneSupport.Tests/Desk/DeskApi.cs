using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace PhoneSupport.Tests.Desk;

/// <summary>Requests of the desk features: merge patches with or without <c>If-Match</c>, and audit rows read back.</summary>
internal static class DeskApi
{
    public static Task<HttpResponseMessage> PatchAsync(HttpClient client, string path, object body, string? ifMatch = null,
        string contentType = "application/merge-patch+json")
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, path)
        {
            Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(body), Encoding.UTF8, contentType),
        };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return client.SendAsync(request);
    }

    public static string ETag(HttpResponseMessage response)
    {
        Assert.True(response.Headers.ETag is not null, $"{response.RequestMessage?.RequestUri} answered no ETag");
        Assert.False(response.Headers.ETag!.IsWeak);
        return response.Headers.ETag.Tag;
    }

    /// <summary>The audit rows of one entity, newest first.</summary>
    public static async Task<List<JsonObject>> AuditAsync(HttpClient admin, string entity, string id)
    {
        var page = await Admin.AdminApi.ExpectAsync(await admin.GetAsync($"/api/audit?entity={entity}&id={id}"), System.Net.HttpStatusCode.OK);
        return [.. page["items"]!.AsArray().Select(i => i!.AsObject())];
    }

    public static MediaTypeHeaderValue Json => new("application/json");
}
