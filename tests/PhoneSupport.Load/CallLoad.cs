using System.Diagnostics;
using System.Globalization;
using System.Text;
using PhoneSupport.Emulators.Twilio;

namespace PhoneSupport.Load;

/// <summary>Per-webhook figures of a whole-call run.</summary>
public sealed class WebhookStats
{
    public Latencies Latency { get; } = new();
    public long Failed { get; set; }
    public long Fallbacks { get; set; }
    public long RoundTrips { get; set; }
    public long Counted { get; set; }
    public int MaxRoundTrips { get; set; }

    /// <summary>What the first failed exchange got (status or transport error, and the start of the body): a report names the failure.</summary>
    public string? FirstFailure { get; set; }

    public void Merge(WebhookStats other)
    {
        FirstFailure ??= other.FirstFailure;
        Latency.AddRange(other.Latency);
        Failed += other.Failed;
        Fallbacks += other.Fallbacks;
        RoundTrips += other.RoundTrips;
        Counted += other.Counted;
        MaxRoundTrips = Math.Max(MaxRoundTrips, other.MaxRoundTrips);
    }
}

public sealed record CallRun(string Name, int Lines, TimeSpan Duration, long Calls, long CallsFailed, IReadOnlyDictionary<string, WebhookStats> Webhooks, IReadOnlyList<CallResult> Sample)
{
    public double CallsPerSecond => Calls / Duration.TotalSeconds;

    public long Requests => Webhooks.Values.Sum(w => (long)w.Latency.Count);
    public long WebhooksFailed => Webhooks.Values.Sum(w => w.Failed);
    public long Fallbacks => Webhooks.Values.Sum(w => w.Fallbacks);

    /// <summary>The run in one line: calls/s, webhooks/s, failures.</summary>
    public string Headline => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: {Lines} concurrent calls, {Calls} calls in {Duration.TotalSeconds:0.0} s = {CallsPerSecond:0.0} calls/s ({Requests / Duration.TotalSeconds:0} webhooks/s, {Requests / (double)Math.Max(1, Calls):0.0} per call); calls failed {CallsFailed}, webhooks failed {WebhooksFailed}, TwiML fallbacks {Fallbacks}");

    public string Report()
    {
        var text = new StringBuilder();
        text.AppendLine(Headline);
        foreach (var (key, w) in Webhooks.OrderBy(w => Order(w.Key)))
            text.AppendLine(FormattableString.Invariant($"  {key,-44} {w.Latency.Count,7}  {w.Latency.Summary()}  failed {w.Failed}")
                + (w.Counted > 0 ? FormattableString.Invariant($"  db round trips {w.RoundTrips / (double)w.Counted:0.00} (max {w.MaxRoundTrips})") : "")
                + (w.FirstFailure is { } failure ? $"  first failure: {failure}" : ""));
        return text.ToString();
    }

    public static int Order(string key) => int.Parse(key[..key.IndexOf('.', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
}

/// <summary>
/// Whole calls at a fixed concurrency: every line runs one <see cref="CallDriver"/> call after another (Twilio's
/// side, signed, verb by verb, in simulated time: no real ringing or talking) until the time is up. Each HTTP
/// request is labelled by its position in the call and its path, e.g. <c>3. POST /twilio/voice/step</c>.
/// </summary>
public static class CallLoad
{
    public sealed record Caller(string To, ICallerScript Script, TechnicianScript Technician, string From);

    public static async Task<CallRun> RunAsync(string name, HttpClient http, string voiceUrl, int lines, TimeSpan warmup, TimeSpan duration,
        Func<int, Caller> caller, int? maxCalls = null, DateTimeOffset? start = null)
    {
        var stop = false;
        var measuring = warmup <= TimeSpan.Zero;
        long issued = 0;
        var workers = Enumerable.Range(0, lines).Select(line => Task.Run(async () =>
        {
            var stats = new Dictionary<string, WebhookStats>();
            long calls = 0, failed = 0;
            var sample = new List<CallResult>();
            while (!Volatile.Read(ref stop))
            {
                var index = Interlocked.Increment(ref issued) - 1;
                if (maxCalls is { } max && index >= max) break;
                var who = caller((int)index);
                var measured = Volatile.Read(ref measuring);
                var position = 0;
                var driver = new CallDriver(http, new CallDriverOptions
                {
                    VoiceUrl = voiceUrl,
                    AuthToken = WebhookLoad.AuthToken,
                    AccountSid = WebhookLoad.AccountSid,
                    From = who.From,
                    To = who.To,
                    Caller = who.Script,
                    Technician = who.Technician,
                    MaxQueueRounds = 2,
                    StartTime = start ?? TimeProvider.System.GetUtcNow(),
                    OnWebhook = exchange =>
                    {
                        if (!measured) return;
                        position++;
                        var key = $"{position}. {exchange.Method} {new Uri(exchange.Url).AbsolutePath}";
                        if (!stats.TryGetValue(key, out var w)) stats[key] = w = new WebhookStats();
                        w.Latency.Add(exchange.Latency);
                        if (exchange.Status is not (>= 200 and < 300))
                        {
                            w.Failed++;
                            w.FirstFailure ??= $"{exchange.Status?.ToString(CultureInfo.InvariantCulture) ?? "no answer"} {exchange.Failure} {exchange.Body[..Math.Min(160, exchange.Body.Length)]}".Trim();
                        }
                        else if (exchange.Body.Contains("technical difficulties", StringComparison.Ordinal)) w.Fallbacks++;
                        if (exchange.Headers is { } headers && headers.TryGetValues("X-Db-Round-Trips", out var values)
                            && int.TryParse(values.First(), CultureInfo.InvariantCulture, out var trips))
                        {
                            w.RoundTrips += trips;
                            w.Counted++;
                            w.MaxRoundTrips = Math.Max(w.MaxRoundTrips, trips);
                        }
                    },
                });
                var result = await driver.RunAsync();
                if (!measured) continue;
                calls++;
                if (!result.Succeeded) failed++;
                if (sample.Count < 3 || (!result.Succeeded && sample.Count < 10)) sample.Add(result);
            }
            return (stats, calls, failed, sample);
        })).ToList();

        if (!measuring)
        {
            await Task.Delay(warmup);
            Volatile.Write(ref measuring, true);
        }
        var started = Stopwatch.GetTimestamp();
        if (maxCalls is null) await Task.Delay(duration);
        else await Task.WhenAny(Task.WhenAll(workers), Task.Delay(duration));
        Volatile.Write(ref stop, true);
        var results = await Task.WhenAll(workers);
        var measuredFor = Stopwatch.GetElapsedTime(started);
        var merged = new Dictionary<string, WebhookStats>();
        foreach (var (key, w) in results.SelectMany(r => r.stats))
        {
            if (!merged.TryGetValue(key, out var m)) merged[key] = m = new WebhookStats();
            m.Merge(w);
        }
        return new CallRun(name, lines, measuredFor, results.Sum(r => r.calls), results.Sum(r => r.failed), merged, results.SelectMany(r => r.sample).ToList());
    }
}
