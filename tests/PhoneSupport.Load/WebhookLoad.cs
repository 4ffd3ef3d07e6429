using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using PhoneSupport.Emulators.Twilio;

namespace PhoneSupport.Load;

/// <summary>What one fixed-concurrency run of one webhook measured.</summary>
public sealed record WebhookRun(string Name, int Connections, TimeSpan Duration, long Requests, long Errors, long Fallbacks, Latencies Latency, double? RoundTrips, int? MaxRoundTrips)
{
    /// <summary>CPU seconds the server process(es) spent during the measured time, and the database server's.</summary>
    public double ServerCpu { get; init; }
    public double DatabaseCpu { get; init; }
    public double ServerCpuPerRequestMs => Requests == 0 ? 0 : ServerCpu * 1000 / Requests;
    public double DatabaseCpuPerRequestMs => Requests == 0 ? 0 : DatabaseCpu * 1000 / Requests;

    public double PerSecond => Requests / Duration.TotalSeconds;

    public override string ToString() =>
        FormattableString.Invariant($"{Name,-34} {Connections,3} conn  {PerSecond,7:0} req/s  {Latency.Summary()}  cpu/req: server {ServerCpuPerRequestMs:0.00} ms, postgres {DatabaseCpuPerRequestMs:0.00} ms  errors {Errors}  fallbacks {Fallbacks}")
        + (RoundTrips is { } rt ? FormattableString.Invariant($"  db round trips {rt:0.00}/req (max {MaxRoundTrips})") : "");
}

/// <summary>
/// The webhook generator: <c>connections</c> workers, each with one keep-alive connection in effect, posting Twilio's
/// incoming-call webhook (a fresh CallSid each time, signed like Twilio signs it) back to back. Closed loop: a
/// worker sends its next request when the previous answer is read. A warm-up is not measured.
/// </summary>
public static class WebhookLoad
{
    public const string AuthToken = "load-auth-token-0123456789abcdef";
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";

    public static async Task<WebhookRun> RunAsync(string name, HttpClient http, string url, string to, int connections, TimeSpan warmup, TimeSpan duration,
        int[]? serverPids = null)
    {
        var signer = new TwilioSigner(AuthToken);
        var stop = false;
        var measuring = false;
        var workers = Enumerable.Range(0, connections).Select(w => Task.Run(async () =>
        {
            var latencies = new Latencies();
            long errors = 0, fallbacks = 0, roundTrips = 0, counted = 0;
            var maxRoundTrips = 0;
            var n = 0;
            while (!Volatile.Read(ref stop))
            {
                var from = "+1555" + ((w * 100000 + n++) % 10000000).ToString("D7", CultureInfo.InvariantCulture);
                using var request = Incoming(signer, url, Sids.NewCallSid(), from, to);
                var started = Stopwatch.GetTimestamp();
                var ok = false;
                string body = "";
                int? trips = null;
                try
                {
                    using var response = await http.SendAsync(request);
                    body = await response.Content.ReadAsStringAsync();
                    ok = response.IsSuccessStatusCode && body.Contains("<Response", StringComparison.Ordinal);
                    if (response.Headers.TryGetValues("X-Db-Round-Trips", out var values) && int.TryParse(values.First(), CultureInfo.InvariantCulture, out var t)) trips = t;
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (!Volatile.Read(ref measuring)) continue;
                latencies.Add(elapsed);
                if (!ok) errors++;
                else if (body.Contains("technical difficulties", StringComparison.Ordinal)) fallbacks++;
                if (trips is { } tr)
                {
                    roundTrips += tr;
                    counted++;
                    maxRoundTrips = Math.Max(maxRoundTrips, tr);
                }
            }
            return (latencies, errors, fallbacks, roundTrips, counted, maxRoundTrips);
        })).ToList();

        await Task.Delay(warmup);
        Volatile.Write(ref measuring, true);
        var server = new CpuMeter(serverPids ?? []);
        var database = new CpuMeter(PostgresPids());
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(duration);
        Volatile.Write(ref measuring, false);
        var (serverCpu, databaseCpu) = (server.ElapsedSeconds, database.ElapsedSeconds);
        var measured = Stopwatch.GetElapsedTime(started);
        Volatile.Write(ref stop, true);
        var results = await Task.WhenAll(workers);
        var all = new Latencies();
        foreach (var r in results) all.AddRange(r.latencies);
        var count = results.Sum(r => r.counted);
        return new WebhookRun(name, connections, measured, all.Count, results.Sum(r => r.errors), results.Sum(r => r.fallbacks), all,
            count == 0 ? null : results.Sum(r => r.roundTrips) / (double)count, count == 0 ? null : results.Max(r => r.maxRoundTrips))
        {
            ServerCpu = serverCpu,
            DatabaseCpu = databaseCpu,
        };
    }

    /// <summary>Every process of the postgres user (the harness's cluster is the only one on these machines).</summary>
    public static int[] PostgresPids() => Directory.GetDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), CultureInfo.InvariantCulture, out var pid) ? pid : 0)
        .Where(pid => pid > 0 && IsPostgres(pid)).ToArray();

    private static bool IsPostgres(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").StartsWith("postgres", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Twilio's incoming-call webhook, signed for <paramref name="url"/>.</summary>
    public static HttpRequestMessage Incoming(TwilioSigner signer, string url, string callSid, string from, string to)
    {
        KeyValuePair<string, string>[] parameters =
        [
            new("CallSid", callSid), new("AccountSid", AccountSid), new("From", from), new("To", to),
            new("CallStatus", "ringing"), new("Direction", "inbound"), new("ApiVersion", "2010-04-01"),
            new("Caller", from), new("Called", to),
        ];
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(parameters) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(TwilioSigner.HeaderName, signer.Sign(url, parameters.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value))));
        request.Headers.TryAddWithoutValidation("I-Twilio-Idempotency-Token", Guid.NewGuid().ToString());
        return request;
    }
}

public static class Sids
{
    /// <summary>A Twilio-shaped call sid: CA + 32 hex digits.</summary>
    public static string NewCallSid() => "CA" + Guid.NewGuid().ToString("N");
}
