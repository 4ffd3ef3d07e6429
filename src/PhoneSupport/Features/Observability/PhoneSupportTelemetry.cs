using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;

namespace PhoneSupport.Features.Observability;

/// <summary>
/// The service's instruments. One <see cref="ActivitySource"/> named <c>PhoneSupport</c> (an activity per webhook) and,
/// per host, one <see cref="Meter"/> named <c>PhoneSupport</c> created through <see cref="IMeterFactory"/>, so each host
/// (and each test host) owns its instruments.
/// </summary>
public sealed class PhoneSupportTelemetry
{
    public const string Name = "PhoneSupport";
    public const string CallSidTag = "phonesupport.call_sid";
    public const string RouteTag = "http.route";
    public const string StatusTag = "http.response.status_code";

    public static readonly ActivitySource Source = new(Name);

    public PhoneSupportTelemetry(IMeterFactory meters, TelemetrySnapshot snapshot)
    {
        Meter = meters.Create(Name);
        WebhookDuration = Meter.CreateHistogram<double>("phonesupport.webhook.duration", unit: "s",
            description: "Time to answer a Twilio or Stripe webhook, by route and status code.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        Meter.CreateObservableGauge("phonesupport.queue.length", snapshot.QueueLength, unit: "{call}",
            description: "Callers waiting in the priority queue, by provider (read every GaugeInterval).");
        Meter.CreateObservableGauge("phonesupport.callbacks.at_risk", () => snapshot.CallbacksAtRisk, unit: "{callback}",
            description: "Open callbacks flagged at risk of missing their promise.");
        Meter.CreateObservableGauge("phonesupport.billing.posting_lag", () => snapshot.PostingLagSeconds, unit: "s",
            description: "Age of the oldest pending billing_outbox row (0 when none is pending).");
        Meter.CreateObservableGauge("phonesupport.telemetry.snapshot_age", snapshot.Age, unit: "s",
            description: "Seconds since the gauges above were last read from the database.");
    }

    public Meter Meter { get; }

    public Histogram<double> WebhookDuration { get; }

    /// <summary>
    /// The trace id of a call: Twilio's CallSid is <c>CA</c> + 32 hex digits, exactly the 16 bytes of a trace id, so every
    /// webhook of one call lands in one trace whichever instance answers it. Other ids are hashed to 16 bytes.
    /// </summary>
    public static ActivityTraceId TraceIdFor(string callSid)
    {
        var hex = callSid.Length == 34 && callSid.StartsWith("CA", StringComparison.Ordinal) && callSid.AsSpan(2).ContainsAnyExcept("0123456789abcdefABCDEF") is false
            ? callSid[2..].ToLowerInvariant()
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(callSid)), 0, 16);
        return ActivityTraceId.CreateFromString(hex);
    }
}
