namespace PhoneSupport.Features.Sla;

/// <summary>SLA records of plans with response targets (issue 11): opened at the decision, closed by the first human contact.</summary>
public static class SlaFeature
{
    public static WebApplicationBuilder AddSla(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<SlaRecorder>();
        return builder;
    }
}
