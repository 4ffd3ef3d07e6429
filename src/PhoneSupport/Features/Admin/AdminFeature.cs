using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

/// <summary>The admin API under <c>/api</c> (API-key bearer authentication, roles admin/finance/technician) and its OpenAPI document.</summary>
public static class AdminFeature
{
    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        builder.Services.AddApiKeyAuthentication();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Configuration.PhoneSupportOptions>, BootstrapKeyValidation>();
        builder.Services.AddScoped<AccountsHandler>();
        builder.Services.AddScoped<ContractsHandler>();
        builder.Services.AddScoped<ApiKeysHandler>();
        builder.Services.AddScoped<PoliciesHandler>();
        builder.Services.AddScoped<PolicyDiffHandler>();
        builder.Services.AddScoped<TechniciansHandler>();
        builder.Services.AddScoped<CallbacksHandler>();
        builder.Services.AddScoped<CallbackControl>();
        builder.Services.AddScoped<IncidentsHandler>();
        builder.Services.AddScoped<ChargesHandler>();
        builder.Services.AddScoped<PurchasesHandler>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(TechnicianPolicies.Availability, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireRole("admin", "technician"))
            .AddPolicy(TechnicianPolicies.Quotes, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireRole("admin", "finance", "technician"));
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer<BearerSecurityScheme>());
        return builder;
    }

    /// <summary>Every resource lists its own routes and the policy each needs; <c>/openapi/v1.json</c> describes them.</summary>
    public static WebApplication MapAdmin(this WebApplication app)
    {
        app.MapOpenApi();
        var api = app.MapGroup("/api").LimitRequestsPerApiKey();
        api.ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapAccounts();
        api.MapContracts();
        api.MapApiKeys();
        api.MapPolicies();
        api.MapPolicyDiff();
        api.MapTechnicians();
        api.MapCallbacks();
        api.MapIncidents();
        api.MapCharges();
        api.MapPurchases();
        Messages.MessagesFeature.MapMessages(api);
        Routing.TransferEndpoints.MapTransfers(api);
        Calls.CallsFeature.MapCalls(api);
        Audit.AuditFeature.MapAudit(api);
        Closures.ClosuresFeature.MapClosures(api);
        PolicyVersions.PolicyVersionsFeature.MapPolicyVersions(api);
        Reports.ReportEndpoints.MapReports(api);
        WhatIf.WhatIfFeature.MapWhatIf(api);
        return app;
    }
}

/// <summary>Declares the bearer scheme in the OpenAPI document and requires it on every <c>/api</c> operation.</summary>
internal sealed class BearerSecurityScheme : IOpenApiDocumentTransformer
{
    private const string Name = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key (POST /api/api-keys, or PhoneSupport:BootstrapAdminApiKey): Authorization: Bearer <key>.",
        };
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith("/api/", StringComparison.Ordinal)) continue;
            foreach (var operation in item.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Name, document)] = [] });
            }
        }
        return Task.CompletedTask;
    }
}

