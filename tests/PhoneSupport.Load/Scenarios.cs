using System.Globalization;

namespace PhoneSupport.Load;

public static partial class Scenarios
{
    private static Bench.Settings BenchSettings(Args args) => new(args.Int("connections", 16), args.Int("lines", 16),
        TimeSpan.FromSeconds(args.Double("warmup", 3)), TimeSpan.FromSeconds(args.Double("duration", 10)), TimeSpan.FromSeconds(args.Double("service-warmup", 45)));

    /// <summary>One instance and the references: throughput, latency, round trips, ratios.</summary>
    public static async Task<bool> BenchAsync(Harness harness, Args args)
    {
        var accounts = args.Int("accounts", 1000);
        var settings = BenchSettings(args);
        var connection = await harness.DatabaseAsync("load_bench");
        var reference = await harness.DatabaseAsync("load_reference");
        await harness.StartInstancesAsync(1, Harness.ServiceEnvironment(connection));
        await DataSet.SeedAccountsAsync(connection, accounts, harness.Log);
        await DataSet.SeedTechniciansAsync(connection, Math.Max(64, settings.Lines * 4), Harness.ServiceStart);
        await harness.StartReferenceAsync(reference);
        var report = await Bench.RunAsync(harness, settings, accounts, args.Flag("no-db-meter") ? null : connection);
        harness.Log.WriteLine(report.Report());
        var met = report.MeetsTargets(out var missed);
        harness.Log.WriteLine(met ? "targets met" : "targets missed: " + string.Join("; ", missed));
        return report.Calls.CallsFailed == 0 && report.Incoming.Errors == 0;
    }

    /// <summary>Only the service's incoming-call webhook (quick iterations on the hot path).</summary>
    public static async Task<bool> IncomingAsync(Harness harness, Args args)
    {
        var settings = BenchSettings(args);
        var connection = await harness.DatabaseAsync("load_incoming");
        await harness.StartInstancesAsync(1, Harness.ServiceEnvironment(connection));
        var run = await WebhookLoad.RunAsync("PhoneSupport incoming-call webhook", harness.Http, $"{Harness.PublicBaseUrl}/twilio/voice", Harness.Constellix,
            settings.Connections, settings.WarmupTime, settings.DurationTime, [.. harness.Instances.Select(i => i.Pid)]);
        harness.Log.WriteLine("  " + run);
        return run.Errors == 0;
    }

    /// <summary>
    /// Report latency alone (no webhook bench): a database of <c>--small</c> accounts with 10 calls each and one of
    /// <c>--large</c> accounts with <c>--incidents</c> calls/incidents (plus a tenth as many callbacks, SLA records and charges),
    /// every report endpoint timed through a service instance. Passes when every p50 is under 500 ms.
    /// </summary>
    public static async Task<bool> ReportsAsync(Harness harness, Args args)
    {
        var (small, large, incidents) = (args.Int("small", 1000), args.Int("large", 1_000_000), args.Int("incidents", 10_000_000));
        var runs = new List<(string, Dictionary<string, (double P50, double Max)>)>();
        foreach (var (accounts, history) in new[] { (small, Math.Min(incidents, small * 10)), (large, incidents) })
        {
            var connection = await harness.DatabaseAsync($"load_reports_{accounts}_{history}");
            harness.Log.WriteLine($"database with {accounts:N0} accounts/contracts and {history:N0} past calls with incidents");
            await harness.StartInstancesAsync(1, Harness.ServiceEnvironment(connection));
            await harness.StopInstancesAsync();
            await DataSet.SeedAccountsAsync(connection, accounts, harness.Log);
            await DataSet.SeedIncidentsAsync(connection, accounts, history, harness.Log);
            await ReportLoad.SeedAsync(connection, accounts, history, harness.Log);
            runs.Add(($"{history:N0} calls", await ReportLoad.MeasureAsync(harness, connection, history)));
        }
        ReportLoad.Print(harness.Log, runs);
        var ok = runs.All(r => r.Item2.Values.All(v => v.P50 < 500));
        harness.Log.WriteLine(ok ? "every report p50 under 500 ms" : "a report p50 is 500 ms or more");
        return ok;
    }

    /// <summary>
    /// The same bench against a database of 1 thousand accounts and one of 1 million accounts/contracts with 10 million
    /// past incidents: latency should stay within 20%.
    /// </summary>
    public static async Task<bool> ScaleAsync(Harness harness, Args args)
    {
        var (small, large, incidents) = (args.Int("small", 1000), args.Int("large", 1_000_000), args.Int("incidents", 10_000_000));
        var settings = BenchSettings(args);
        var reference = await harness.DatabaseAsync("load_reference");
        await harness.StartReferenceAsync(reference);
        // Both databases first (the service migrates each, then the data goes in), then the two measurements back to
        // back, so that other load on the machine differs as little as possible between them.
        var databases = new List<(int Accounts, string Connection)>();
        foreach (var (accounts, history) in new[] { (small, Math.Min(incidents, small * 10)), (large, incidents) })
        {
            var connection = await harness.DatabaseAsync($"load_scale_{accounts}");
            harness.Log.WriteLine($"database with {accounts:N0} accounts/contracts and {history:N0} past calls with incidents");
            await harness.StartInstancesAsync(1, Harness.ServiceEnvironment(connection));
            await harness.StopInstancesAsync();
            await DataSet.SeedAccountsAsync(connection, accounts, harness.Log);
            await DataSet.SeedIncidentsAsync(connection, accounts, history, harness.Log);
            await ReportLoad.SeedAsync(connection, accounts, history, harness.Log);
            await DataSet.SeedTechniciansAsync(connection, Math.Max(64, settings.Lines * 4), Harness.ServiceStart);
            databases.Add((accounts, connection));
        }
        var reports = new List<(int Accounts, BenchReport Report)>();
        foreach (var (accounts, connection) in databases)
        {
            harness.Log.WriteLine($"bench against {accounts:N0} accounts");
            await harness.StartInstancesAsync(1, Harness.ServiceEnvironment(connection));
            reports.Add((accounts, await Bench.RunAsync(harness, settings, accounts)));
            await harness.StopInstancesAsync();
        }
        var (s, l) = (reports[0].Report, reports[1].Report);
        harness.Log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            scale: {reports[0].Accounts:N0} vs {reports[1].Accounts:N0} accounts (each figure within 20 % or not)
              incoming webhook   p50 {s.Incoming.Latency.P50:0.00} -> {l.Incoming.Latency.P50:0.00} ms {Within(s.Incoming.Latency.P50, l.Incoming.Latency.P50, lower: true)}   p99 {s.Incoming.Latency.P99:0.00} -> {l.Incoming.Latency.P99:0.00} ms {Within(s.Incoming.Latency.P99, l.Incoming.Latency.P99, lower: true)}   {s.Incoming.PerSecond:0} -> {l.Incoming.PerSecond:0} req/s {Within(s.Incoming.PerSecond, l.Incoming.PerSecond, lower: false)}
              contract calls     {s.Calls.CallsPerSecond:0.0} -> {l.Calls.CallsPerSecond:0.0} calls/s {Within(s.Calls.CallsPerSecond, l.Calls.CallsPerSecond, lower: false)}
              references (the same both times; their drift is the machine's noise): Kestrel+INSERT {s.BareInsert.PerSecond:0} -> {l.BareInsert.PerSecond:0} req/s ({l.BareInsert.PerSecond / s.BareInsert.PerSecond:0.00} x), durable-floor IVR {s.DurableIvr.CallsPerSecond:0.0} -> {l.DurableIvr.CallsPerSecond:0.0} calls/s ({l.DurableIvr.CallsPerSecond / s.DurableIvr.CallsPerSecond:0.00} x)
            """));
        foreach (var key in s.Calls.Webhooks.Keys.Intersect(l.Calls.Webhooks.Keys).OrderBy(CallRun.Order))
        {
            var (a, b) = (s.Calls.Webhooks[key].Latency, l.Calls.Webhooks[key].Latency);
            harness.Log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {key,-44} p50 {a.P50:0.00} -> {b.P50:0.00} ms {Within(a.P50, b.P50, lower: true)}  p99 {a.P99:0.00} -> {b.P99:0.00} ms {Within(a.P99, b.P99, lower: true)}"));
        }
        var reportRuns = new List<(string, Dictionary<string, (double P50, double Max)>)>();
        foreach (var ((accounts, connection), history) in databases.Zip(new[] { Math.Min(incidents, small * 10), incidents }))
            reportRuns.Add(($"{history:N0} calls", await ReportLoad.MeasureAsync(harness, connection, history)));
        ReportLoad.Print(harness.Log, reportRuns);
        var within = l.Incoming.Latency.P50 <= 1.2 * s.Incoming.Latency.P50 && l.Calls.CallsPerSecond >= s.Calls.CallsPerSecond / 1.2;
        harness.Log.WriteLine(within ? "latency within 20% at scale" : "latency NOT within 20% at scale");
        return within;
    }

    /// <summary>A figure at scale beside the small database's: "(1.05 x, within 20 %)" or "(1.31 x, NOT within 20 %)".</summary>
    private static string Within(double small, double large, bool lower)
    {
        var ratio = large / small;
        var within = lower ? ratio <= 1.2 : ratio >= 1 / 1.2;
        return string.Create(CultureInfo.InvariantCulture, $"({ratio:0.00} x, {(within ? "within" : "NOT within")} 20 %)");
    }
}
