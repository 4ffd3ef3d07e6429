using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;
using PhoneSupport.Emulators.Stripe;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Emulators.Twilio.Rest;

namespace PhoneSupport.Load;

public sealed record StormSettings(int Callers = 300, int Technicians = 12, int Instances = 3, int Lines = 48, int DeclineEvery = 10, TimeSpan? Settle = null,
    int TalkMinutes = 40)
{
    public TimeSpan SettleTime => Settle ?? TimeSpan.FromSeconds(20);
}

/// <summary>What a storm did, and whether the invariants held.</summary>
public sealed record StormReport(string Name, CallRun Run, long Connected, long CallbacksPromised, long CallbacksCompleted, long CallbacksOpen,
    long Claims, long Charges, InvariantReport Invariants, long Rerouted, string Notes)
{
    /// <summary>A webhook that got neither TwiML nor a 2xx (only excusable when its instance died with it in flight).</summary>
    public long WebhooksFailed => Run.WebhooksFailed;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"""
        {Run.Report()}  outcomes: connected to a technician {Connected}, callback promised {CallbacksPromised} (kept {CallbacksCompleted}, still open {CallbacksOpen}); allowance claims {Claims}; charges {Charges}
          requests rerouted by the balancer (instance refused the connection, or was drained and closed it) {Rerouted}
        {Notes}{Invariants}
        """);
}

/// <summary>
/// Storms at night (23:00 in New York: the Constellix contract callers use their included after-hours incidents,
/// then consent to the price): several service processes, on-call technicians that sometimes decline, callback
/// dispatchers running in every instance and dialling through the Twilio emulator, which plays those calls back
/// through the balancer. A fault can be injected while the callers are calling.
/// </summary>
public static class ProcessStorm
{
    /// <summary>23:00 New York (EDT), a Wednesday: night for Constellix.</summary>
    public static readonly DateTimeOffset Night = new(2026, 7, 9, 3, 0, 0, TimeSpan.Zero);

    public sealed class Context(Harness harness, string connection, TwilioEmulator twilio, StripeEmulator stripe, Dictionary<string, string> environment)
    {
        public Harness Harness { get; } = harness;
        public string Connection { get; } = connection;
        public TwilioEmulator Twilio { get; } = twilio;
        public StripeEmulator Stripe { get; } = stripe;
        public Dictionary<string, string> Environment { get; } = environment;
        public List<string> Notes { get; } = [];
        public void Note(string text)
        {
            Notes.Add(text);
            Harness.Log.WriteLine("  " + text);
        }
    }

    /// <param name="fault">Runs once a third of the callers have been started (null: no fault).</param>
    /// <param name="databaseEndpoint">Where the services connect (a proxy, for the slow-database run); null: the server itself.</param>
    public static async Task<StormReport> RunAsync(Harness harness, string name, StormSettings settings, Func<Context, Task>? fault = null,
        Func<string, Task<string>>? databaseEndpoint = null, Func<Context, Task>? afterStorm = null)
    {
        var log = harness.Log;
        var connection = await harness.DatabaseAsync($"load_storm_{Guid.NewGuid():N}"[..24]);
        var serviceConnection = databaseEndpoint is null ? connection : await databaseEndpoint(connection);
        await using var twilio = new TwilioEmulator(new TwilioEmulatorOptions
        {
            AccountSid = WebhookLoad.AccountSid,
            AuthToken = WebhookLoad.AuthToken,
            DriveOutboundCalls = true,
            DefaultParty = CalledParty.Pressing("1"),
            WebhookHandler = harness.NewBalancer,
        });
        await twilio.StartAsync();
        // Stripe signs its events with its own clock: the service's (the Development clock at the storm's night).
        await using var stripe = new StripeEmulator(new StripeEmulatorOptions
        {
            SecretKey = Harness.StripeSecretKey,
            WebhookSecret = Harness.StripeWebhookSecret,
            ApiVersion = Harness.StripeApiVersion,
            WebhookUrl = Harness.PublicBaseUrl + "/stripe/webhook",
            WebhookHandler = harness.NewBalancer,
            TimeProvider = new ShiftedTime(Night - TimeProvider.System.GetUtcNow()),
        });
        await stripe.StartAsync();
        var environment = Harness.ServiceEnvironment(serviceConnection, twilio.BaseUrl, dispatchers: true, stripeApi: stripe.BaseUrl);
        environment["PhoneSupport__Clock__StartAt"] = Night.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var accounts = Math.Max(4, settings.Callers / 4);
        // Migrate once before the instances race to (the runner takes an advisory lock anyway).
        await harness.StartInstancesAsync(settings.Instances, environment);
        await DataSet.SeedAccountsAsync(connection, accounts, TextWriter.Null);
        await DataSet.SeedTechniciansAsync(connection, settings.Technicians, Night);
        await DataSet.ExecAsync(connection, "insert into technician_on_call (technician_id, starts_at, ends_at) select id, $1::timestamptz - interval '1 day', $1::timestamptz + interval '7 days' from technicians", Night);
        var context = new Context(harness, connection, twilio, stripe, environment);
        log.WriteLine($"storm '{name}': {settings.Callers} callers on {settings.Lines} lines, {settings.Instances} instances, {settings.Technicians} on-call technicians (one in {settings.DeclineEvery} declines first), {accounts} contracts");

        var started = 0;
        Task? faultTask = null;
        var run = await CallLoad.RunAsync(name, harness.Http, $"{Harness.PublicBaseUrl}/twilio/voice", settings.Lines, TimeSpan.Zero, TimeSpan.FromMinutes(10), i =>
        {
            if (Interlocked.Increment(ref started) == settings.Callers / 3 && fault is not null) faultTask = Task.Run(() => fault(context));
            return new CallLoad.Caller(Harness.Constellix,
                ScriptedCaller.Keys("2", DataSet.ContractNumber(i % accounts) + "#", "1", "1"),
                i % settings.DeclineEvery == 0
                    ? new TechnicianScript(TechnicianAnswer.Decline, TechnicianAnswer.Accept(TimeSpan.FromMinutes(settings.TalkMinutes)))
                    : TechnicianScript.Accepting(TimeSpan.FromMinutes(settings.TalkMinutes)),
                "+1555" + i.ToString("D7", CultureInfo.InvariantCulture));
        }, maxCalls: settings.Callers, start: Night);
        if (faultTask is not null) await faultTask;
        if (afterStorm is not null) await afterStorm(context);

        // The dispatchers keep the callback promises: wait until none is due and undialled, or the time is up.
        var settle = Stopwatch.StartNew();
        long open;
        do
        {
            await Task.Delay(1000);
            open = await DataSet.ScalarAsync(connection, "select count(*) from callbacks where status in ('scheduled', 'dialing')");
        }
        while ((open > 0 || await DataSet.ScalarAsync(connection, "select count(*) from billing_outbox where status = 'pending'") > 0) && settle.Elapsed < settings.SettleTime);
        // Let driven callback calls finish their webhooks.
        await Task.Delay(2000);

        var sids = run.Sample.Select(s => s.CallSid).ToArray();
        var report = new StormReport(name, run,
            await DataSet.ScalarAsync(connection, "select count(distinct call_sid) from call_events where kind = 'connected' and call_sid not like 'CAhistory%'"),
            await DataSet.ScalarAsync(connection, "select count(*) from callbacks"),
            await DataSet.ScalarAsync(connection, "select count(*) from callbacks where status = 'completed'"),
            open,
            await DataSet.ScalarAsync(connection, "select count(*) from allowance_uses where status <> 'released'"),
            await DataSet.ScalarAsync(connection, "select count(*) from charges"),
            await Invariants.CheckAsync(connection, twilio, stripe),
            harness.Balancer.Rerouted,
            string.Join("", context.Notes.Select(n => "  " + n + "\n")));
        await harness.StopInstancesAsync();
        NpgsqlConnection.ClearAllPools();
        return report;
    }

    /// <summary>The system clock moved by a fixed offset.</summary>
    private sealed class ShiftedTime(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }

    /// <summary>The database server's loopback endpoint (from a connection string).</summary>
    public static IPEndPoint Endpoint(string connection)
    {
        var b = new NpgsqlConnectionStringBuilder(connection);
        return new IPEndPoint(IPAddress.Parse(b.Host!), b.Port);
    }

    public static string WithPort(string connection, int port) => new NpgsqlConnectionStringBuilder(connection) { Port = port }.ConnectionString;
}
