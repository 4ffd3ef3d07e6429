using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using PhoneSupport.Features.Observability;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Observability;

[Collection(ServiceHostCollection.Name)]
public sealed class TelemetryTests(ServiceFixture fixture)
{
    [Fact]
    public async Task Webhook_RecordsItsLatency_TaggedWithTheRouteAndStatus()
    {
        var meters = fixture.Factory.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentQueue<(double Seconds, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "phonesupport.webhook.duration") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
            measurements.Enqueue((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.Start();
        var twilio = new TwilioWebhooks(fixture.Factory.CreateClient());

        await twilio.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(TwilioWebhooks.NewCallSid()));
        using var forged = await twilio.PostAsync("/twilio/voice/status", TwilioWebhooks.IncomingCall(TwilioWebhooks.NewCallSid()), signature: "Zm9yZ2Vk");

        await WaitUntilAsync(() => measurements.Any(m => Equals(m.Tags[PhoneSupportTelemetry.RouteTag], "/twilio/voice/status")));
        var voice = measurements.First(m => Equals(m.Tags[PhoneSupportTelemetry.RouteTag], "/twilio/voice") && Equals(m.Tags[PhoneSupportTelemetry.StatusTag], 200));
        Assert.InRange(voice.Seconds, 0.000001, 30);
        Assert.Contains(measurements, m => Equals(m.Tags[PhoneSupportTelemetry.RouteTag], "/twilio/voice/status") && Equals(m.Tags[PhoneSupportTelemetry.StatusTag], 403));
    }

    [Fact]
    public async Task EveryWebhookOfACall_IsAnActivityInTheCallsOwnTrace_TaggedWithItsSid()
    {
        var sid = TwilioWebhooks.NewCallSid();
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PhoneSupportTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if ((string?)a.GetTagItem(PhoneSupportTelemetry.CallSidTag) == sid) activities.Enqueue(a); },
        };
        ActivitySource.AddActivityListener(listener);
        var twilio = new TwilioWebhooks(fixture.Factory.CreateClient());

        var menu = await twilio.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(sid));
        var press = TwilioWebhooks.IncomingCall(sid);
        press["Digits"] = "2";
        await twilio.PostTwimlAsync(TwilioWebhooks.ActionOf(menu), press);
        var status = TwilioWebhooks.IncomingCall(sid);
        status["CallStatus"] = "completed";
        await twilio.PostTwimlAsync("/twilio/voice/status", status);

        await WaitUntilAsync(() => activities.Count >= 3);
        Assert.Equal(3, activities.Count);
        Assert.All(activities, a => Assert.Equal(PhoneSupportTelemetry.TraceIdFor(sid), a.TraceId));
        Assert.Equal(sid[2..], activities.First().TraceId.ToHexString());
        Assert.Equal(["/twilio/voice", "/twilio/voice/status", "/twilio/voice/step"], activities.Select(a => (string)a.GetTagItem(PhoneSupportTelemetry.RouteTag)!).Order());
        Assert.Equal(3, activities.Select(a => a.SpanId).Distinct().Count());
    }

    [Fact]
    public async Task Gauges_ReadQueueCallbacksAtRiskAndPostingLag_FromOneDatabasePass()
    {
        var connection = await fixture.Server.CreateDatabaseAsync("phonesupport_gauges");
        await using var factory = fixture.CreateFactory("Production", connection, new Dictionary<string, string?> { ["PhoneSupport:Telemetry:GaugeInterval"] = "00:00:00" });
        using var scope = factory.Services.CreateScope();
        var now = fixture.Clock.GetCurrentInstant().ToDateTimeUtc();
        await ExecuteAsync(connection, """
            insert into callbacks (id, provider, call_sid, phone_number, reason, priority, due_at, not_before, coverage_only, status, attempts,
                                   next_attempt_at, at_risk, created_at, updated_at, version)
            values (gen_random_uuid(), 'constellix', 'CA-gauge-1', '+15550001111', 'test', 1, $1, $1, false, 'scheduled', 0, $1, true, $1, $1, 0),
                   (gen_random_uuid(), 'constellix', 'CA-gauge-2', '+15550001111', 'test', 1, $1, $1, false, 'scheduled', 0, $1, false, $1, $1, 0),
                   (gen_random_uuid(), 'constellix', 'CA-gauge-3', '+15550001111', 'test', 1, $1, $1, false, 'completed', 0, $1, true, $1, $1, 0)
            """, now);
        await ExecuteAsync(connection, """
            insert into billing_outbox (id, kind, charge_ids, status, attempts, next_attempt_at, created_at)
            values (gen_random_uuid(), 'invoice', '{}', 'pending', 0, $1, $1 - interval '90 seconds'),
                   (gen_random_uuid(), 'invoice', '{}', 'done', 1, $1, $1 - interval '1 day');
            """, now);

        await scope.ServiceProvider.GetRequiredService<TelemetryGaugeReader>().RefreshAsync(default);

        var meters = factory.Services.GetRequiredService<IMeterFactory>();
        var values = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Scope == meters) l.EnableMeasurementEvents(instrument); };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => values[i.Name] = v);
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => values[i.Name] = v);
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(1, values["phonesupport.callbacks.at_risk"]);
        Assert.Equal(90, values["phonesupport.billing.posting_lag"], 3);
        Assert.False(values.ContainsKey("phonesupport.queue.length"));
        Assert.InRange(values["phonesupport.telemetry.snapshot_age"], 0, 1);
    }

    private static async Task ExecuteAsync(string connection, string sql, params object[] parameters)
    {
        await using var c = new Npgsql.NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, c);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(20);
    }
}

/// <summary>End to end: with an OTLP endpoint configured, the call's webhook activity and the metrics reach a collector.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class OtlpExportTests(ServiceFixture fixture)
{
    [Fact]
    public async Task WithAnOtlpEndpoint_TracesCarryingTheCallSidAndMetricsArePosted()
    {
        var port = FreePort();
        using var collector = new System.Net.HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var received = new ConcurrentQueue<(string Path, byte[] Body)>();
        var serving = Task.Run(async () =>
        {
            while (collector.IsListening)
            {
                System.Net.HttpListenerContext context;
                try { context = await collector.GetContextAsync(); }
                catch (Exception e) when (e is System.Net.HttpListenerException or ObjectDisposedException) { return; }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                received.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        });
        var sid = TwilioWebhooks.NewCallSid();

        await using (var factory = fixture.CreateFactory("Production", fixture.ConnectionString, new Dictionary<string, string?>
        {
            ["PhoneSupport:Telemetry:OtlpEndpoint"] = $"http://127.0.0.1:{port}",
            ["PhoneSupport:Telemetry:OtlpProtocol"] = "http/protobuf",
        }))
        {
            var twilio = new TwilioWebhooks(factory.CreateClient());
            await twilio.PostTwimlAsync("/twilio/voice", TwilioWebhooks.IncomingCall(sid));
        } // stopping the host flushes both providers

        for (var i = 0; i < 100 && !(received.Any(r => r.Path == "/v1/traces") && received.Any(r => r.Path == "/v1/metrics")); i++) await Task.Delay(50);
        collector.Stop();
        await serving;
        var traces = received.Where(r => r.Path == "/v1/traces").SelectMany(r => r.Body).ToArray();
        var metrics = received.Where(r => r.Path == "/v1/metrics").SelectMany(r => r.Body).ToArray();
        Assert.NotEmpty(traces);
        Assert.Contains(sid, System.Text.Encoding.UTF8.GetString(traces));
        Assert.Contains("phonesupport.webhook.duration", System.Text.Encoding.UTF8.GetString(metrics));
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }
}
