using NodaTime;
using NodaTime.Text;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Development;

/// <summary>Development-only endpoints: the clock and the demo data. Not mapped elsewhere, so they answer 404.</summary>
public static class DevelopmentFeature
{
    public static WebApplicationBuilder AddDevelopment(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<DemoData>();
        builder.Services.AddScoped<DemoClockRewind>();
        return builder;
    }

    public static WebApplication MapDevelopment(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment()) return app;
        var dev = app.MapGroup("/dev").WithTags("Development");
        dev.MapGet("/clock", (DevelopmentClock clock) => Results.Ok(new { now = clock.GetCurrentInstant().ToString() }));
        dev.MapPost("/clock/advance", (AdvanceRequest body, DevelopmentClock clock) =>
        {
            var parsed = body.By is null ? null : PeriodPattern.NormalizingIso.Parse(body.By);
            if (parsed is null || !parsed.Success || parsed.Value.Months != 0 || parsed.Value.Years != 0)
                return Results.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["by"] = ["An ISO-8601 duration such as PT2H or P1DT30M (days, hours, minutes, seconds)."],
                });
            var duration = parsed.Value.ToDuration();
            if (duration < Duration.Zero)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["by"] = ["The clock only moves forward."] });
            return Results.Ok(new { now = clock.Advance(duration).ToString() });
        });
        dev.MapPost("/demo-data", async (DemoData demo, CancellationToken ct) => Results.Ok(await demo.LoadAsync(ct)));
        return app;
    }

    public sealed record AdvanceRequest(string? By);
}
