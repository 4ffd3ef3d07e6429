using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace PhoneSupport.Features.Platform;

public static class AdminOpenApi
{
    /// <summary>
    /// Documents the JSON body an endpoint reads with <see cref="AdminJson.WithBodyAsync"/>. Not <c>Accepts&lt;T&gt;</c>:
    /// that also makes routing answer another content type with a bare 415, where the API promises problem+json.
    /// </summary>
    public static RouteHandlerBuilder JsonBody<T>(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct) },
                },
            };
        });
}
