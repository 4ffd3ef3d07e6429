using System.Diagnostics;
using System.Globalization;
using PhoneSupport.Emulators.Twilio.Rest;

namespace PhoneSupport.Load;

public static partial class Scenarios
{
    private static StormSettings StormSettingsFrom(Args args) => new(args.Int("callers", 300), args.Int("technicians", 12), args.Int("instances", 3),
        args.Int("lines", 48), args.Int("decline-every", 10), TimeSpan.FromSeconds(args.Double("settle", 20)));

    /// <summary>The storm without faults: 3 service processes, one PostgreSQL, invariants from the database.</summary>
    public static async Task<bool> StormAsync(Harness harness, Args args)
    {
        var report = await ProcessStorm.RunAsync(harness, "storm", StormSettingsFrom(args));
        harness.Log.WriteLine(report);
        return Verdict(harness, report, allowedFailures: 0);
    }

    public static readonly string[] FaultNames = ["kill", "postgres", "twilio", "stripe", "slowdb", "shutdown"];

    public static async Task<bool> FaultsAsync(Harness harness, string which, Args args)
    {
        var ok = true;
        foreach (var name in which == "all" ? FaultNames : [which])
            ok &= await FaultAsync(harness, name, StormSettingsFrom(args), args);
        return ok;
    }

    public static async Task<bool> AllAsync(Harness harness, Args args)
    {
        var ok = await BenchAsync(harness, args);
        await harness.StopInstancesAsync();
        ok &= await StormAsync(harness, args);
        ok &= await FaultsAsync(harness, "all", args);
        return ok;
    }

    /// <summary>One storm with one fault injected a third of the way in.</summary>
    public static async Task<bool> FaultAsync(Harness harness, string name, StormSettings settings, Args args)
    {
        var log = harness.Log;
        StormReport report;
        switch (name)
        {
            case "kill":
                // kill -9 one instance mid-storm; the balancer's health check moves new requests to the others; the
                // instance comes back on the same port. Requests in flight on it when it died are lost (Twilio would
                // go to the fallback URL): at most one per line.
                report = await ProcessStorm.RunAsync(harness, "fault: kill -9 an instance", settings, async c =>
                {
                    var victim = c.Harness.Instances[1];
                    victim.KillHard();
                    c.Note($"kill -9 {victim.Name} (pid {victim.Pid}) at {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
                    await Task.Delay(TimeSpan.FromSeconds(args.Double("down", 3)));
                    var fresh = await c.Harness.RestartInstanceAsync(1, c.Environment);
                    c.Note($"{fresh.Name} (pid {fresh.Pid}) serves again on :{fresh.Port}");
                });
                log.WriteLine(report);
                return Verdict(harness, report, allowedFailures: settings.Lines);

            case "postgres":
                // PostgreSQL stopped (fast shutdown: every session cut) for a few seconds, then started again.
                report = await ProcessStorm.RunAsync(harness, "fault: PostgreSQL restarted", settings, async c =>
                {
                    var watch = Stopwatch.StartNew();
                    await c.Harness.Server.StopAsync();
                    c.Note($"PostgreSQL stopped at {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
                    await Task.Delay(TimeSpan.FromSeconds(args.Double("down", 3)));
                    await c.Harness.Server.StartAgainAsync();
                    c.Note($"PostgreSQL started again after {watch.Elapsed.TotalSeconds:0.0} s");
                });
                log.WriteLine(report);
                var resumed = report.Run.Webhooks.Count > 0;
                return Verdict(harness, report, allowedFailures: 0) && resumed;

            case "twilio":
                // Twilio's REST API answers 500, 429 and too late (past the client's timeout) to the callback
                // dispatchers' call creates: no callback may be dialled twice, none lost.
                // --late-creates: also two creates that Twilio carries out only after the client's 10 s timeout (known
                // gap, README: the dispatcher looks for them once, at the timeout, and dials again).
                var late = args.Flag("late-creates");
                report = await ProcessStorm.RunAsync(harness, "fault: Twilio REST 500/429/timeouts", settings, c =>
                {
                    c.Twilio.FailNext(TwilioEndpoint.CreateCall, 500, 20500, count: 3);
                    c.Twilio.FailNext(TwilioEndpoint.CreateCall, 429, 20429, count: 3);
                    c.Twilio.FailAfterProcessingNext(TwilioEndpoint.CreateCall, 500, 20500, count: 2);
                    c.Twilio.FailNext(TwilioEndpoint.CreateMessage, 503, 20503, count: 2);
                    if (late) c.Twilio.DelayNext(TwilioEndpoint.CreateCall, TimeSpan.FromSeconds(12), count: 2);
                    c.Note("Twilio emulator: the next creates answer 500 x3, 429 x3, 500 after creating x2; SMS 503 x2"
                        + (late ? "; then 2 creates carried out 12 s late (client timeout 10 s)" : ""));
                    return Task.CompletedTask;
                });
                log.WriteLine(report);
                return Verdict(harness, report, allowedFailures: 0);

            case "stripe":
                // Stripe answers 500, 429, "did it but the answer was lost" and too late to the billing outbox workers
                // (all three instances run one): every charge posted once, none lost.
                // Calls of 2.5 hours: every connected call, included or not, leaves a charge to post.
                report = await ProcessStorm.RunAsync(harness, "fault: Stripe 500/429/lost answers/timeouts", settings with { TalkMinutes = 150 }, c =>
                {
                    c.Stripe.FailNext(Emulators.Stripe.StripeEndpoint.CreateInvoiceItem, 500, count: 2);
                    c.Stripe.FailNext(Emulators.Stripe.StripeEndpoint.CreateInvoiceItem, 429, count: 2);
                    c.Stripe.FailAfterProcessingNext(Emulators.Stripe.StripeEndpoint.CreateInvoiceItem, 500, count: 2);
                    c.Stripe.FailAfterProcessingNext(Emulators.Stripe.StripeEndpoint.CreateInvoice, 502, count: 1);
                    c.Stripe.DelayNext(Emulators.Stripe.StripeEndpoint.FinalizeInvoice, TimeSpan.FromSeconds(7), count: 1);
                    c.Note("Stripe emulator: invoice items 500 x2, 429 x2, done-but-500 x2; invoice done-but-502 x1; finalize 7 s late x1 (client timeout 5 s)");
                    return Task.CompletedTask;
                });
                log.WriteLine(report);
                return Verdict(harness, report, allowedFailures: 0) && report.Charges > 0;

            case "slowdb":
            {
                // Every byte between the services and PostgreSQL delayed (a TCP proxy written here).
                var delay = TimeSpan.FromMilliseconds(args.Double("db-delay-ms", 5));
                LatencyProxy? proxy = null;
                try
                {
                    report = await ProcessStorm.RunAsync(harness, $"fault: slow database (+{delay.TotalMilliseconds:0} ms each way)", settings, databaseEndpoint: connection =>
                    {
                        proxy = new LatencyProxy(ProcessStorm.Endpoint(connection), delay);
                        return Task.FromResult(ProcessStorm.WithPort(connection, proxy.Port));
                    });
                }
                finally
                {
                    if (proxy is not null) await proxy.DisposeAsync();
                }
                log.WriteLine(report);
                return Verdict(harness, report, allowedFailures: 0);
            }

            case "shutdown":
                // One instance taken out of the balancer and sent SIGTERM mid-storm: in-flight webhooks finish, the
                // callback leases it holds are released, then it exits; it is started again.
                report = await ProcessStorm.RunAsync(harness, "fault: graceful shutdown (SIGTERM) of an instance", settings, async c =>
                {
                    var victim = c.Harness.Instances[1];
                    // As a load balancer does: no new requests to it, then SIGTERM; what it has in flight must finish.
                    c.Harness.Drain(1);
                    var took = await victim.TerminateAsync(TimeSpan.FromSeconds(40));
                    var held = await DataSet.ScalarAsync(c.Connection,
                        "select count(*) from callbacks where status = 'dialing' and lease_owner like '%:' || $1 || ':%' and lease_until > now() + interval '1 minute'",
                        victim.Pid.ToString(CultureInfo.InvariantCulture));
                    c.Note($"SIGTERM {victim.Name} (pid {victim.Pid}): exited with {victim.ExitCode} after {took.TotalSeconds:0.00} s; callback leases it still holds: {held}");
                    if (held > 0) c.Note("LEASES NOT RELEASED");
                    var fresh = await c.Harness.RestartInstanceAsync(1, c.Environment);
                    c.Note($"{fresh.Name} (pid {fresh.Pid}) serves again on :{fresh.Port}");
                });
                log.WriteLine(report);
                return Verdict(harness, report, allowedFailures: 0) && !report.Notes.Contains("NOT RELEASED", StringComparison.Ordinal);

            default:
                throw new ArgumentException($"Unknown fault {name}: {string.Join(", ", FaultNames)}.");
        }
    }

    private static bool Verdict(Harness harness, StormReport report, int allowedFailures)
    {
        var ok = report.Invariants.Holds && report.WebhooksFailed <= allowedFailures;
        harness.Log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  => {(ok ? "OK" : "FAILED")}: invariants {(report.Invariants.Holds ? "hold" : "VIOLATED")}; webhooks without TwiML {report.WebhooksFailed} (allowed {allowedFailures}); TwiML fallbacks {report.Run.Fallbacks}\n"));
        return ok;
    }
}
