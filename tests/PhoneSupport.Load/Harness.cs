using System.Globalization;
using PhoneSupport.TestSupport.Postgres;

namespace PhoneSupport.Load;

/// <summary>Arguments: <c>--name value</c> pairs after the scenario.</summary>
public sealed class Args(string[] args)
{
    public int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public double Double(string name, double fallback) => Get(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public bool Flag(string name) => args.Contains("--" + name);
    public string? Get(string name)
    {
        var i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

/// <summary>
/// What every scenario shares: one throwaway PostgreSQL, service instances started as separate processes
/// (<c>dotnet PhoneSupport.dll</c>, the way <c>deploy/run.sh</c> runs it) and the balancer that stands for the public URL.
/// </summary>
public sealed class Harness : IAsyncDisposable
{
    /// <summary>The public base URL Twilio signs (every instance is configured with it; the balancer resolves it).</summary>
    public const string PublicHost = "phonesupport.load";
    public const string PublicBaseUrl = "http://" + PublicHost;
    public const string ReferenceHost = "reference.load";
    public const string Constellix = "+17038803095";

    /// <summary>The service's clock (Development clock): a Wednesday 11:00 in New York, business hours for both lines.</summary>
    public static readonly DateTimeOffset ServiceStart = new(2026, 7, 8, 15, 0, 0, TimeSpan.Zero);

    private readonly List<ChildProcess> _children = [];
    private readonly Dictionary<string, IReadOnlyList<Uri>> _backends = [];

    private Harness(PostgresServer server, TextWriter log)
    {
        Server = server;
        Log = log;
        Balancer = new Balancer(_backends);
        Http = new HttpClient(Balancer) { Timeout = TimeSpan.FromSeconds(15) };
    }

    public PostgresServer Server { get; }
    public TextWriter Log { get; }
    public Balancer Balancer { get; }
    public HttpClient Http { get; }
    public List<ChildProcess> Instances { get; } = [];
    public ChildProcess? Reference { get; private set; }

    /// <summary>The references' database (the durable-floor references write their rows there).</summary>
    public string? ReferenceConnection { get; private set; }

    public static async Task<Harness> StartAsync(TextWriter log)
    {
        // Hundreds of simulated callers in one process: don't let the thread pool's slow growth set the pace.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
        return new Harness(await PostgresServer.StartAsync(), log);
    }

    public async Task<string> DatabaseAsync(string name) => await Server.CreateDatabaseAsync(name);

    /// <summary>Extra service settings from the command line (<c>--set Key=Value</c>, repeatable), applied to every instance.</summary>
    public static Dictionary<string, string> Overrides { get; } = [];

    public const string StripeSecretKey = "sk_test_51LoadHarnessKey0123456789";
    public const string StripeWebhookSecret = "whsec_load_harness_secret";
    public const string StripeApiVersion = "2026-10-28.endive";

    public static Dictionary<string, string> ServiceEnvironment(string connection, string? twilioApi = null, bool dispatchers = false, string? stripeApi = null)
    {
        var env = Defaults(connection, twilioApi, dispatchers);
        env["Stripe__SecretKey"] = StripeSecretKey;
        env["Stripe__WebhookSecret"] = StripeWebhookSecret;
        env["Stripe__ApiBaseUrl"] = stripeApi ?? "http://127.0.0.1:9";
        env["Stripe__ApiVersion"] = StripeApiVersion;
        env["Stripe__RequestTimeout"] = "00:00:05";
        env["PhoneSupport__Billing__WorkerEnabled"] = dispatchers && stripeApi is not null ? "true" : "false";
        env["PhoneSupport__Billing__PostingDelay"] = "00:00:00";
        env["PhoneSupport__Billing__PollInterval"] = "00:00:01";
        env["PhoneSupport__Billing__RetryBaseDelay"] = "00:00:01";
        env["PhoneSupport__Billing__MaxRetryDelay"] = "00:00:03";
        foreach (var (k, v) in Overrides) env[k] = v;
        return env;
    }

    private static Dictionary<string, string> Defaults(string connection, string? twilioApi, bool dispatchers) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["ConnectionStrings__PhoneSupport"] = connection,
        ["PhoneSupport__PublicBaseUrl"] = PublicBaseUrl,
        ["PhoneSupport__Clock__StartAt"] = ServiceStart.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["PhoneSupport__Diagnostics__CountDatabaseRoundTrips"] = "true",
        ["PhoneSupport__Routing__WrapUp"] = "00:00:00",
        ["PhoneSupport__Callbacks__DispatcherEnabled"] = dispatchers ? "true" : "false",
        ["PhoneSupport__Callbacks__PollInterval"] = "00:00:01",
        ["PhoneSupport__Queue__DispatcherEnabled"] = dispatchers ? "true" : "false",
        ["Twilio__AccountSid"] = WebhookLoad.AccountSid,
        ["Twilio__AuthToken"] = WebhookLoad.AuthToken,
        ["Twilio__ApiBaseUrl"] = twilioApi ?? "http://127.0.0.1:9",
        ["Twilio__CallsPerSecond"] = "1000",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        ["Logging__LogLevel__PhoneSupport.Features.Voice.VoiceFallbackFilter"] = "Error",
    };

    /// <summary>Starts <paramref name="count"/> instances and puts them behind the public URL.</summary>
    public async Task StartInstancesAsync(int count, IReadOnlyDictionary<string, string> environment)
    {
        var started = await Task.WhenAll(Enumerable.Range(Instances.Count, count).Select(i =>
            ChildProcess.StartServiceAsync($"instance-{i}", environment)));
        Instances.AddRange(started);
        _children.AddRange(started);
        PublishBackends();
        Log.WriteLine($"  service instances (separate processes): {string.Join(", ", started.Select(s => $"{s.Name} pid {s.Pid} on :{s.Port}"))}");
    }

    /// <summary>Starts a replacement for a stopped instance on the same port.</summary>
    public async Task<ChildProcess> RestartInstanceAsync(int index, IReadOnlyDictionary<string, string> environment)
    {
        var old = Instances[index];
        var fresh = await ChildProcess.StartServiceAsync(old.Name + "-restarted", environment, old.Port);
        Instances[index] = fresh;
        _drained.Remove(old.Port);
        _children.Add(fresh);
        PublishBackends();
        return fresh;
    }

    public async Task StopInstancesAsync()
    {
        foreach (var instance in Instances) await instance.DisposeAsync();
        Instances.Clear();
        PublishBackends();
    }

    public async Task<ChildProcess> StartReferenceAsync(string connection)
    {
        var reference = await ChildProcess.StartReferenceAsync(connection);
        Reference = reference;
        ReferenceConnection = connection;
        _children.Add(reference);
        _backends[ReferenceHost] = [new Uri(reference.BaseUrl)];
        Balancer.Backends = new Dictionary<string, IReadOnlyList<Uri>>(_backends);
        return reference;
    }

    private readonly HashSet<int> _drained = [];

    /// <summary>Takes an instance out of the balancer (what a load balancer does before the instance is stopped).</summary>
    public void Drain(int index)
    {
        _drained.Add(Instances[index].Port);
        PublishBackends();
    }

    private void PublishBackends()
    {
        _backends[PublicHost] = Instances.Where(i => !_drained.Contains(i.Port)).Select(i => new Uri(i.BaseUrl)).ToList();
        Balancer.Backends = new Dictionary<string, IReadOnlyList<Uri>>(_backends);
    }

    /// <summary>A balancer (for the Twilio emulator's own client) that sees the same backends.</summary>
    public Balancer NewBalancer() => new(Balancer.Backends);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            foreach (var child in _children)
            {
                try
                {
                    await child.DisposeAsync();
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            }
        }
        finally
        {
            await Server.DisposeAsync();
        }
    }
}
