using Microsoft.AspNetCore.Mvc;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.WhatIf;

/// <summary>
/// "What if" (issue 17, decision 019): a period's calls replayed under a draft policy beside what really happened —
/// <c>POST /api/policies/{provider}/what-if</c> (keys of role admin, manager or finance: it reads billing and SLA figures and
/// changes nothing but its audit row) and the console's page <c>/console/admin/policies/what-if</c>.
/// </summary>
public static class WhatIfFeature
{
    /// <summary>Admin, manager or finance (the readers of billing and report figures).</summary>
    public const string Policy = "what-if";

    public static WebApplicationBuilder AddWhatIf(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<WhatIfFacts>();
        builder.Services.AddScoped<WhatIfHandler>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, p => p.AddAuthenticationSchemes(AuthenticationNames.ApiKeyScheme).RequireRole("admin", "manager", "finance"));
        return builder;
    }

    public static RouteGroupBuilder MapWhatIf(this RouteGroupBuilder api)
    {
        api.MapPost("/policies/{provider}/what-if", async (string provider, [FromQuery] string? page, [FromQuery] string? limit, [FromQuery] string? format,
                HttpRequest request, WhatIfHandler handler, CancellationToken ct) =>
            {
                var errors = new FieldErrors();
                var (p, l, csv) = WhatIfHandler.Paging(page, limit, format, request.Headers.Accept.ToString(), errors);
                if (errors.Any) return (IResult)Problems.Validation(errors);
                return (IResult)await AdminJson.WithBodyAsync<WhatIfRequest, WhatIfAnswer>(request, async body =>
                {
                    var (run, problem) = await handler.RunAsync(provider, body, ct);
                    return problem is not null ? problem : new WhatIfAnswer(run!, p, l, csv);
                }, ct);
            })
            .JsonBody<WhatIfRequest>().RequireAuthorization(Policy).WithTags("Policies")
            .Produces<WhatIfResource>().Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesValidationProblem().ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}

/// <summary>The answer of a what-if: the JSON resource (one page of calls), or every call as CSV.</summary>
public sealed class WhatIfAnswer(WhatIfRun run, int page, int limit, bool csv) : IResult
{
    public WhatIfRun Run { get; } = run;

    public Task ExecuteAsync(HttpContext httpContext) => csv
        ? WhatIfHandler.WriteCsvAsync(httpContext, Run, httpContext.RequestAborted)
        : httpContext.Response.WriteAsJsonAsync(Run.Resource(page, limit), httpContext.RequestAborted);
}
