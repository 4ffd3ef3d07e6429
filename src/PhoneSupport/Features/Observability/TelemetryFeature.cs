using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Microsoft.Extensions.Options;

namespace PhoneSupport.Features.Observability;

/// <summary><c>PhoneSupport:Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "PhoneSupport:Telemetry";

    /// <summary>How often the gauges (queue length, callbacks at risk, posting lag) are read from the database; 0 = never.</summary>
    public TimeSpan GaugeInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The OTLP collector (e.g. <c>http://otel-collector:4317</c>). Export is on when this or the standard
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable is set; otherwise the instruments exist but nothing is exported.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>
    /// <c>grpc</c> (default, usually port 4317) or <c>http/protobuf</c> (usually 4318; <c>/v1/traces</c> and
    /// <c>/v1/metrics</c> are appended to the endpoint). Falls back to <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>.
    /// </summary>
    public string? OtlpProtocol { get; set; }

    /// <summary>The <c>service.name</c> resource attribute.</summary>
    public string ServiceName { get; set; } = "phonesupport";
}

/// <summary>
/// Metrics and traces. The OpenTelemetry hosting package is not served here, so the providers are built with
/// <c>Sdk.CreateTracerProviderBuilder()</c>/<c>Sdk.CreateMeterProviderBuilder()</c> by <see cref="OpenTelemetryExportService"/>,
/// only when an OTLP endpoint is configured. Logs stay on the console (JSON outside Development, see appsettings.json),
/// where the platform's log collector picks them up with their CallSid scope and trace id.
/// </summary>
public static class TelemetryFeature
{
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section);
        services.AddMetrics();
        services.AddSingleton<TelemetrySnapshot>();
        services.AddSingleton<PhoneSupportTelemetry>();
        services.AddScoped<TelemetryGaugeReader>();
        services.AddHostedService<TelemetryGaugeService>();
        services.AddHostedService<OpenTelemetryExportService>();
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        return builder;
    }

    /// <summary>The webhook scope, activity and latency histogram (after routing, so the route pattern is known).</summary>
    public static WebApplication UseTelemetry(this WebApplication app)
    {
        app.Services.GetRequiredService<PhoneSupportTelemetry>();
        app.UseMiddleware<WebhookTelemetryMiddleware>();
        return app;
    }
}

/// <summary>Builds and owns the OTLP tracer and meter providers while the host runs.</summary>
public sealed partial class OpenTelemetryExportService(IOptions<TelemetryOptions> options, IConfiguration configuration, ILogger<OpenTelemetryExportService> logger)
    : IHostedService, IDisposable
{
    private TracerProvider? _tracing;
    private MeterProvider? _metrics;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var endpoint = !string.IsNullOrWhiteSpace(settings.OtlpEndpoint) ? settings.OtlpEndpoint : configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            LogOff(logger);
            return Task.CompletedTask;
        }
        var resource = ResourceBuilder.CreateDefault().AddService(settings.ServiceName, serviceVersion: typeof(TelemetryFeature).Assembly.GetName().Version?.ToString());
        var http = string.Equals(settings.OtlpProtocol ?? configuration["OTEL_EXPORTER_OTLP_PROTOCOL"], "http/protobuf", StringComparison.OrdinalIgnoreCase);
        // Set in code, the endpoint is used as given: over HTTP each signal needs its own path.
        Action<OtlpExporterOptions> Otlp(string signal) => o =>
        {
            o.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
            o.Endpoint = http ? new Uri(uri.AbsoluteUri.TrimEnd('/') + "/v1/" + signal) : uri;
        };
        _tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource)
            .AddSource(PhoneSupportTelemetry.Name, "Microsoft.AspNetCore", "Npgsql")
            .AddOtlpExporter(Otlp("traces")).Build();
        _metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource)
            .AddMeter(PhoneSupportTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Npgsql")
            .AddOtlpExporter(Otlp("metrics")).Build();
        LogOn(logger, uri, http ? "http/protobuf" : "grpc");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _tracing?.ForceFlush(2000);
        _metrics?.ForceFlush(2000);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _tracing?.Dispose();
        _metrics?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "OpenTelemetry export to {Endpoint} (traces and metrics over OTLP, {Protocol})")]
    private static partial void LogOn(ILogger logger, Uri endpoint, string protocol);

    [LoggerMessage(Level = LogLevel.Debug, Message = "OpenTelemetry export off: no PhoneSupport:Telemetry:OtlpEndpoint or OTEL_EXPORTER_OTLP_ENDPOINT")]
    private static partial void LogOff(ILogger logger);
}
