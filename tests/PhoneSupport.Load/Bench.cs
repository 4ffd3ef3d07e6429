using System.Globalization;
using System.Text;
using PhoneSupport.Emulators.Twilio;

namespace PhoneSupport.Load;

/// <summary>One performance goal of issue 14 beside what this run measured; <see cref="Met"/> is null when it was not measured.</summary>
public sealed record Goal(string Name, string Measured, string Target, bool? Met)
{
    public string Verdict => Met switch { true => "met", false => "missed", null => "not measured" };

    public override string ToString() => $"{Name,-34} {Measured,-64} goal {Target,-9} {Verdict}";
}

/// <summary>The figures of one bench run: ours and the references, measured back to back on this machine.</summary>
public sealed record BenchReport(
    WebhookRun BareTwiml, WebhookRun BareInsert, WebhookRun Incoming, CallRun ReferenceIvr, CallRun DurableIvr, CallRun Calls, DatabaseCost? Database = null)
{
    /// <summary>The goals (issue 14): a webhook's work may cost at most 2 x a bare durable write, a call half the durable floor.</summary>
    public const double MinThroughputRatio = 0.5, MaxLatencyRatio = 2, MaxTransactionsPerCall = 12, MaxWalBytesPerCall = 8 * 1024, MaxRoundTripsPerWebhook = 2;

    public double IncomingVsInsert => Incoming.PerSecond / BareInsert.PerSecond;
    public double P50VsInsert => Incoming.Latency.P50 / BareInsert.Latency.P50;
    public double P99VsInsert => Incoming.Latency.P99 / BareInsert.Latency.P99;
    public double CallsVsDurableIvr => Calls.CallsPerSecond / DurableIvr.CallsPerSecond;
    public double CallsVsIvr => Calls.CallsPerSecond / ReferenceIvr.CallsPerSecond;

    /// <summary>The contract call's webhooks in call order with their mean round trips (null: the service did not count them).</summary>
    public IReadOnlyList<(string Webhook, WebhookStats Stats, double? RoundTrips)> RoundTrips =>
        [.. Calls.Webhooks.OrderBy(w => CallRun.Order(w.Key)).Select(w => (w.Key, w.Value, w.Value.Counted > 0 ? w.Value.RoundTrips / (double)w.Value.Counted : (double?)null))];

    public IReadOnlyList<Goal> Goals
    {
        get
        {
            var over = RoundTrips.Where(w => w.RoundTrips is not <= MaxRoundTripsPerWebhook).ToList();
            var worst = RoundTrips.Where(w => w.RoundTrips is not null).MaxBy(w => w.RoundTrips);
            return
            [
                new("incoming webhook throughput", Invariant($"{Incoming.PerSecond:0} vs Kestrel+INSERT {BareInsert.PerSecond:0} req/s = {IncomingVsInsert:0.00} x"),
                    Invariant($">= {MinThroughputRatio} x"), IncomingVsInsert >= MinThroughputRatio),
                new("incoming webhook p50", Invariant($"{Incoming.Latency.P50:0.00} vs Kestrel+INSERT {BareInsert.Latency.P50:0.00} ms = {P50VsInsert:0.00} x"),
                    Invariant($"<= {MaxLatencyRatio} x"), P50VsInsert <= MaxLatencyRatio),
                new("incoming webhook p99", Invariant($"{Incoming.Latency.P99:0.00} vs Kestrel+INSERT {BareInsert.Latency.P99:0.00} ms = {P99VsInsert:0.00} x"),
                    Invariant($"<= {MaxLatencyRatio} x"), P99VsInsert <= MaxLatencyRatio),
                new("whole contract calls", Invariant($"{Calls.CallsPerSecond:0.0} vs durable-floor IVR {DurableIvr.CallsPerSecond:0.0} calls/s = {CallsVsDurableIvr:0.00} x"),
                    Invariant($">= {MinThroughputRatio} x"), CallsVsDurableIvr >= MinThroughputRatio),
                new("PostgreSQL transactions per call", Database is { } d ? Invariant($"{d.TransactionsPerCall:0.0} (idle to idle, {d.Calls} calls)") : "not metered (--no-db-meter)",
                    Invariant($"<= {MaxTransactionsPerCall}"), Database is null ? null : Database.TransactionsPerCall <= MaxTransactionsPerCall),
                new("WAL per contract call", Database is { } w ? Invariant($"{w.WalBytesPerCall / 1024:0.0} kB (idle to idle, {w.Calls} calls)") : "not metered (--no-db-meter)",
                    Invariant($"<= {MaxWalBytesPerCall / 1024} kB"), Database is null ? null : Database.WalBytesPerCall <= MaxWalBytesPerCall),
                new("db round trips per webhook", RoundTrips.Count == 0 ? "no webhooks" : Invariant($"{RoundTrips.Count - over.Count} of {RoundTrips.Count} webhooks within; most {worst.RoundTrips:0.00} ({worst.Webhook})"),
                    Invariant($"<= {MaxRoundTripsPerWebhook}"), RoundTrips.Count > 0 && over.Count == 0),
            ];
        }
    }

    public string Report()
    {
        var text = new StringBuilder(Invariant($"""
            webhook throughput (closed loop, {Incoming.Connections} connections)
              {BareTwiml}
              {BareInsert}
              {Incoming}
              generator check: it drove bare Kestrel at {BareTwiml.PerSecond:0} req/s = {BareTwiml.PerSecond / Incoming.PerSecond:0.0} x our incoming webhook
              incoming webhook / bare Kestrel: throughput {Incoming.PerSecond / BareTwiml.PerSecond:0.00} x, p50 {Incoming.Latency.P50 / BareTwiml.Latency.P50:0.00} x, p99 {Incoming.Latency.P99 / BareTwiml.Latency.P99:0.00} x (information)
            whole calls (per-webhook tables above)
              {ReferenceIvr.Headline}
              {DurableIvr.Headline}
              {Calls.Headline}
              {(Database is { } d ? d.ToString() : "database per contract call: not metered (--no-db-meter)")}

            """));
        text.AppendLine("goals (issue 14), ours beside the references of this run:");
        foreach (var goal in Goals) text.AppendLine("  " + goal);
        text.AppendLine(Invariant($"  {"(information) contract calls",-34} {Calls.CallsPerSecond:0.0} vs fixed-TwiML IVR {ReferenceIvr.CallsPerSecond:0.0} calls/s = {CallsVsIvr:0.00} x"));
        text.AppendLine(Invariant($"  db round trips per webhook of a contract call (goal <= {MaxRoundTripsPerWebhook}: one read + one write):"));
        foreach (var (webhook, stats, trips) in RoundTrips)
            text.AppendLine(Invariant($"    {webhook,-44} p50 {stats.Latency.P50,7:0.00} ms  round trips ")
                + (trips is { } t ? Invariant($"{t,5:0.00} (max {stats.MaxRoundTrips})  {(t <= MaxRoundTripsPerWebhook ? "met" : "missed")}") : "not counted  missed"));
        return text.ToString();
    }

    public bool MeetsTargets(out List<string> missed)
    {
        missed = [.. Goals.Where(g => g.Met == false).Select(g => $"{g.Name} {g.Measured} (goal {g.Target})")];
        return missed.Count == 0;
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
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
            await CallLoad.RunAsync("warm-up", harness.Http, $"http://{Harness.ReferenceHost}/durable/voice", settings.Lines, TimeSpan.Zero, TimeSpan.FromSeconds(5), i => ContractCaller(i, accounts));
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
        var durable = await CallLoad.RunAsync("durable-floor IVR (reference, one row per webhook)", harness.Http, $"http://{Harness.ReferenceHost}/durable/voice", settings.Lines, warmup, duration,
            i => ContractCaller(i, accounts));
        log.Write("  " + durable.Report());
        var calls = await CallLoad.RunAsync("PhoneSupport contract calls", harness.Http, $"{Harness.PublicBaseUrl}/twilio/voice", settings.Lines, warmup, duration,
            i => ContractCaller(i, accounts));
        log.Write("  " + calls.Report());
        foreach (var failed in calls.Sample.Where(s => !s.Succeeded).Take(2))
            log.WriteLine($"  failed call {failed.CallSid}: {failed.Error}\n    " + string.Join("\n    ", failed.Transcript.TakeLast(6).Select(t => t.Text)));
        DatabaseCost? cost = null;
        if (connection is not null)
        {
            // The write cost of a call, for the goals and docs/capacity.md: a short run of its own, from idle to idle (calls
            // still in flight when the time is up are finished and counted).
            cost = await DatabaseCost.MeterAsync(connection, async () => (await CallLoad.RunAsync("metered calls", harness.Http, $"{Harness.PublicBaseUrl}/twilio/voice",
                settings.Lines, TimeSpan.Zero, duration / 2, i => ContractCaller(i, accounts))).Calls);
            log.WriteLine("  " + cost);
        }
        return new BenchReport(bare, insert, incoming, ivr, durable, calls, cost);
    }
}
