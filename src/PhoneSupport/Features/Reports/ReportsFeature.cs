using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Reports;

/// <summary>
/// Service reports (issue 13): the daily roll-up kept as calls end, the report and export API for admin, manager and finance
/// keys, and the console's Reports page (Features/Console/Pages/Reports). Figures: docs/reports.md.
/// </summary>
public static class ReportsFeature
{
    public static WebApplicationBuilder AddReports(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReportOptions>().Bind(builder.Configuration.GetSection(ReportOptions.Section))
            .Validate(o => o.ServiceLevelThreshold > TimeSpan.Zero, $"{ReportOptions.Section}:ServiceLevelThreshold must be above zero.")
            .Validate(o => o.SweepBatch > 0, $"{ReportOptions.Section}:SweepBatch must be above zero.")
            .ValidateOnStart();
        builder.Services.AddScoped<ServiceRollup>();
        builder.Services.AddScoped<ReportQueries>();
        builder.Services.AddScoped<RevenueDays>();
        builder.Services.AddScoped<ReportsHandler>();
        builder.Services.AddHostedService<ServiceRollupSweep>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ReportPolicies.Reports, p => p.AddAuthenticationSchemes(AuthenticationNames.ApiKeyScheme).RequireRole("admin", "manager", "finance"))
            .AddPolicy(ReportPolicies.Revenue, p => p.AddAuthenticationSchemes(AuthenticationNames.ApiKeyScheme).RequireRole("admin", "manager", "finance"));
        return builder;
    }
}
