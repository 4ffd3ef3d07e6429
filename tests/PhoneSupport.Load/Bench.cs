using System.Globalization;
using PhoneSupport.Emulators.Twilio;

namespace PhoneSupport.Load;

/// <summary>The figures of one bench run: ours and the references, measured back to back on this machine.</summary>
public sealed record BenchReport(
    WebhookRun BareTwiml, WebhookRun BareInsert, WebhookRun Incoming, CallRun ReferenceIvr, CallRun Calls)
{
    public double IncomingVsInsert => Incoming.PerSecond / BareInsert.PerSecond;
    public double CallsVsIvr => Calls.CallsPerSecond / ReferenceIvr.CallsPerSecond;

    public string Report() => string.Create(CultureInfo.InvariantCulture, $"""
        webhook throughput (closed loop, {Incoming.Connections} connections)
          {BareTwiml}
          {BareInsert}
          {Incoming}
          generator check: it drove bare Kestrel at {BareTwiml.PerSecond:0} req/s = {BareTwiml.PerSecond / Incoming.PerSecond:0.0} x our incoming webhook
          incoming webhook / Kestrel+INSERT: throughput {IncomingVsInsert:0.00} x (target >= 0.5), p50 {Incoming.Latency.P50 / BareInsert.Latency.P50:0.00} x, p99 {Incoming.Latency.P99 / BareInsert.Latency.P99:0.00} x (target <= 2)
          incoming webhook / bare Kestrel:   throughput {Incoming.PerSecond / BareTwiml.PerSecond:0.00} x, p50 {Incoming.Latency.P50 / BareTwiml.Latency.P50:0.00} x, p99 {Incoming.Latency.P99 / BareTwiml.Latency.P99:0.00} x
        whole calls
        {ReferenceIvr.Report()}{Calls.Report()}  contract calls / fixed-TwiML IVR: {CallsVsIvr:0.00} x calls/s (target >= 0.5)
        """);

    public bool MeetsTargets(out List<string> missed)
    {
        missed = [];
        if (IncomingVsInsert < 0.5) missed.Add($"incoming throughput {IncomingVsInsert:0.00} x Kestrel+INSERT < 0.5");
        if (Incoming.Latency.P50 > 2 * BareInsert.Latency.P50) missed.Add("incoming p50 > 2 x Kestrel+INSERT");
        if (Incoming.Latency.P99 > 2 * BareInsert.Latency.P99) missed.Add("incoming p99 > 2 x Kestrel+INSERT");
        if (CallsVsIvr < 0.5) missed.Add($"contract calls {CallsVsIvr:0.00} x fixed IVR < 0.5");
        var roundTrips = Calls.Webhooks.Where(w => w.Key.Contains("/twilio/voice", StringComparison.Ordinal) && w.Value.Counted > 0)
            .Select(w => (w.Key, Avg: w.Value.RoundTrips / (double)w.Value.Counted)).Where(w => w.Avg > 4).ToList();
        foreach (var (key, avg) in roundTrips) missed.Add($"{key}: {avg:0.0} db round trips > 4");
        return missed.Count == 0;
    }
}

public static class Bench
{
    public sealed record Settings(int Connections = 16, int Lines = 16, TimeSpan? Warmup = null, TimeSpan? Duration = null, TimeSpan? ServiceWarmup = null)
    {
        /// <summary>
        /// Whole calls against the service before anything is measured: on a busy 2-core machine the JIT needs tens of
        /// seconds of traffic to bring the hot path to tier 1 (measured: 3 ms CPU per incoming webhook after 20 s,
        /// 1.4 ms after 60 s). A long-running service is measured, not its first minute.
        /// </summary>
        public TimeSpan ServiceWarmupTime => ServiceWarmup ?? TimeSpan.FromSeconds(45);

        public TimeSpan WarmupTime => Warmup ?? TimeSpan.FromSeconds(3);
        public TimeSpan DurationTime => Duration ?? TimeSpan.FromSeconds(10);
    }

    /// <summary>A Constellix contract caller (press 2, the contract number, #) whose technician accepts.</summary>
    public static CallLoad.Caller ContractCaller(int i, int accounts) => new(Harness.Constellix,
        ScriptedCaller.Keys("2", DataSet.ContractNumber(Random.Shared.Next(accounts)) + "#"),
        TechnicianScript.Accepting(TimeSpan.FromMinutes(12)),
        "+1555" + (i % 10_000_000).ToString("D7", CultureInfo.InvariantCulture));

    /// <summary>The service and the references, back to back. The service instance(s) and the reference must be running.</summary>
    public static async Task<BenchReport> RunAsync(Harness harness, Settings settings, int accounts, string? connection = null)
    {
        var (warmup, duration, log) = (settings.WarmupTime, settings.DurationTime, harness.Log);
        if (settings.ServiceWarmupTime > TimeSpan.Zero)
        {
            log.WriteLine($"  warming up (JIT tiering): {settings.ServiceWarmupTime.TotalSeconds:0} s of calls and incoming webhooks, not measured");
            var half = settings.ServiceWarmupTime / 2;
            await CallLoad.RunAsync("warm-up", harness.Http, $"{Harness.PublicBaseUrl}/twilio/voice", settings.Lines, TimeSpan.Zero, half, i => ContractCaller(i, accounts));
            await WebhookLoad.RunAsync("warm-up", harness.Http, $"{Harness.PublicBaseUrl}/twilio/voice", Harness.Constellix, settings.Connections, TimeSpan.Zero, half);
            await WebhookLoad.RunAsync("warm-up", harness.Http, $"http://{Harness.ReferenceHost}/insert", Harness.Constellix, settings.Connections, TimeSpan.Zero, TimeSpan.FromSeconds(5));
            await CallLoad.RunAsync("warm-up", harness.Http, $"http://{Harness.ReferenceHost}/ivr/voice", settings.Lines, TimeSpan.Zero, TimeSpan.FromSeconds(5), i => ContractCaller(i, accounts));
        }
        var bare = await WebhookLoad.RunAsync("bare Kestrel, fixed TwiML", harness.Http, $"http://{Harness.ReferenceHost}/twiml", Harness.Constellix, settings.Connections, warmup, duration, [harness.Reference!.Pid]);
        log.WriteLine("  " + bare);
        var insert = await WebhookLoad.RunAsync("bare Kestrel + INSERT/COMMIT", harness.Http, $"http://{Harness.ReferenceHost}/insert", Harness.Constellix, settings.Connections, warmup, duration, [harness.Reference!.Pid]);
        log.WriteLine("  " + insert);
        var incoming = await WebhookLoad.RunAsync("PhoneSupport incoming-call webhook", harness.Http, $"{Harness.PublicBaseUrl}/twilio/voice", Harness.Constellix, settings.Connections, warmup, duration,
            [.. harness.Instances.Select(i => i.Pid)]);
        log.WriteLine("  " + incoming);
        var ivr = await CallLoad.RunAsync("fixed-TwiML IVR (reference)", harness.Http, $"http://{Harness.ReferenceHost}/ivr/voice", settings.Lines, warmup, duration,
            i => ContractCaller(i, accounts));
        log.Write("  " + ivr.Report());
        var calls = await CallLoad.RunAsync("PhoneSupport contract calls", harness.Http, $"{Harness.PublicBaseUrl}/twilio/voice", settings.Lines, warmup, duration,
            i => ContractCaller(i, accounts));
        log.Write("  " + calls.Report());
        foreach (var failed in calls.Sample.Where(s => !s.Succeeded).Take(2))
            log.WriteLine($"  failed call {failed.CallSid}: {failed.Error}\n    " + string.Join("\n    ", failed.Transcript.TakeLast(6).Select(t => t.Text)));
        if (connection is not null)
        {
            // The write cost of a call, for docs/capacity.md: a short run of its own, from idle to idle (calls still in flight
            // when it ends are a few of its hundreds: within a few percent).
            var before = await DatabaseCounters.ReadAsync(connection);
            var metered = await CallLoad.RunAsync("metered calls", harness.Http, $"{Harness.PublicBaseUrl}/twilio/voice", settings.Lines, TimeSpan.Zero, duration / 2,
                i => ContractCaller(i, accounts));
            log.WriteLine("  " + DatabaseCounters.PerCall(before, await DatabaseCounters.ReadAsync(connection), metered.Calls));
        }
        return new BenchReport(bare, insert, incoming, ivr, calls);
    }
}
