using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodaTime;
using Npgsql;
using PhoneSupport.Data;
using PhoneSupport.Emulators.Twilio;
using PhoneSupport.Emulators.Twilio.Rest;
using PhoneSupport.Features.Accounts;
using PhoneSupport.Features.Callbacks;
using PhoneSupport.Features.Routing;
using PhoneSupport.TestSupport.Postgres;
using PhoneSupport.TestSupport.Time;

namespace PhoneSupport.Storm;

public sealed record StormOptions(int Callers = 200, int Technicians = 20, int Instances = 3, int DeclineEvery = 10);

public sealed record StormReport(
    int Callers, int Connected, int Queued, int CallbackPromised, int Unaccounted, int Failed, TimeSpan Elapsed,
    int DoubleReservations, int CallbacksDialledTwice, int CallbacksDialled)
{
    public bool Holds => Unaccounted == 0 && Failed == 0 && DoubleReservations == 0 && CallbacksDialledTwice == 0;

    public override string ToString() =>
        $"""
        callers {Callers} in {Elapsed.TotalSeconds:0.0} s ({Callers / Math.Max(0.001, Elapsed.TotalSeconds):0.0} calls/s)
          connected to a technician   {Connected}
          held in the priority queue  {Queued}
          promised a callback         {CallbackPromised}
          unaccounted for             {Unaccounted}
          failed (application error)  {Failed}
        invariants
          technician holding two calls at once   {DoubleReservations}
          callbacks dialled by the dispatchers   {CallbacksDialled}
          callbacks dialled twice                 {CallbacksDialledTwice}
        {(Holds ? "ALL INVARIANTS HOLD" : "INVARIANT VIOLATED")}
        """;
}

/// <summary>
/// A call storm against several service instances sharing one PostgreSQL: Constellix contract callers and
/// Constructor Premier callers, technicians that sometimes decline, then every instance's callback
/// dispatcher at once. The invariants are read back from the database.
/// </summary>
public static class StormRunner
{
    private const string AuthToken = "storm-auth-token-0123456789abcdef";
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";

    public static async Task<StormReport> RunAsync(StormOptions options, PostgresServer server, TextWriter log)
    {
        // Hundreds of in-process callers and three hosts share one process: don't let the thread pool's slow
        // growth (not the service) set the pace.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));
        InProcessInstances.PrepareProcess();
        var connection = await server.CreateDatabaseAsync($"phonesupport_storm_{Guid.NewGuid():N}"[..30]);
        var clock = new ManualTimeProvider(DateTimeZoneProviders.Tzdb["America/New_York"].AtStrictly(new LocalDateTime(2026, 7, 8, 11, 0)).ToInstant(), timersInRealTime: true);
        var instances = new List<WebApplicationFactory<Program>>();
        await using var twilio = new TwilioEmulator(new TwilioEmulatorOptions { AccountSid = AccountSid, AuthToken = AuthToken });
        await twilio.StartAsync();
        try
        {
            for (var i = 0; i < options.Instances; i++) instances.Add(Instance(connection, twilio.BaseUrl, clock));
            var (contracts, customers) = await SeedAsync(instances[0], options, clock);
            log.WriteLine($"{options.Instances} instances, {options.Technicians} technicians, {options.Callers} callers");

            // One client per instance, made before the storm: starting a host is not thread-safe, a client is.
            var clients = instances.Select(f => f.CreateClient()).ToList();
            var watch = Stopwatch.StartNew();
            var results = await Task.WhenAll(Enumerable.Range(0, options.Callers).Select(i => Task.Run(() =>
            {
                var constructor = i % 4 == 3;
                var driver = new CallDriver(clients[i % clients.Count], new CallDriverOptions
                {
                    VoiceUrl = "http://localhost/twilio/voice",
                    AuthToken = AuthToken,
                    AccountSid = AccountSid,
                    From = $"+1555{i:D7}",
                    To = constructor ? "+41525550100" : "+17038803095",
                    Caller = constructor ? ScriptedCaller.Keys("1", customers[i % customers.Count] + "#", "2") : ScriptedCaller.Keys("2", contracts[i % contracts.Count] + "#"),
                    Technician = i % options.DeclineEvery == 0
                        ? new TechnicianScript(TechnicianAnswer.Decline, TechnicianAnswer.Accept(TimeSpan.FromMinutes(12)))
                        : TechnicianScript.Accepting(TimeSpan.FromMinutes(12)),
                    MaxQueueRounds = 2,
                });
                return driver.RunAsync();
            })));
            watch.Stop();

            // Every technician free again; every instance's dispatcher at once.
            await ExecAsync(connection, "update technicians set status = 'available', reserved_call_sid = null, status_since = now() - interval '1 hour'");
            var dispatched = await Task.WhenAll(instances.SelectMany(f => Enumerable.Range(0, 2).Select(async _ =>
            {
                using var scope = f.Services.CreateScope();
                return await scope.ServiceProvider.GetRequiredService<CallbackDispatcher>().DispatchOnceAsync(default);
            })));

            var sids = results.Select(r => r.CallSid).ToArray();
            var connected = await CountAsync(connection, "select count(distinct call_sid) from call_events where kind = 'connected' and call_sid = any($1)", sids);
            var queued = await CountAsync(connection, "select count(distinct call_sid) from call_events where kind = 'queued' and call_sid = any($1) and call_sid not in (select call_sid from call_events where kind = 'connected')", sids);
            var promised = await CountAsync(connection, "select count(distinct call_sid) from callbacks where call_sid = any($1) and call_sid not in (select call_sid from call_events where kind in ('connected', 'queued'))", sids);
            var doubles = await CountAsync(connection, """
                select count(*) from (
                  select kind, lag(kind) over (partition by technician_id order by id) as previous from technician_events) e
                where kind = 'reserved' and previous in ('reserved', 'accepted')
                """, sids);
            if (doubles > 0)
                log.WriteLine(await DetailAsync(connection, """
                    select string_agg(technician_id || ' ' || kind || ' ' || data::text, E'\n' order by id) from technician_events
                    where technician_id in (select technician_id from (select technician_id, kind, lag(kind) over (partition by technician_id order by id) as previous
                      from technician_events) e where kind = 'reserved' and previous in ('reserved', 'accepted'))
                    """));
            var dialledTwice = twilio.Calls.Where(c => c.Url is not null).GroupBy(c => c.Url).Count(g => g.Count() > 1);
            return new StormReport(options.Callers, connected, queued, promised, options.Callers - connected - queued - promised,
                results.Count(r => !r.Succeeded), watch.Elapsed, doubles, dialledTwice, dispatched.Sum());
        }
        finally
        {
            foreach (var instance in instances) await instance.DisposeAsync();
        }
    }

    private static WebApplicationFactory<Program> Instance(string connection, string twilio, ManualTimeProvider clock) =>
        InProcessInstances.Create(connection, new Dictionary<string, string>
        {
            ["Twilio:AccountSid"] = AccountSid,
            ["Twilio:AuthToken"] = AuthToken,
            ["Twilio:ApiBaseUrl"] = twilio,
            ["Twilio:CallsPerSecond"] = "1000",
            ["Stripe:SecretKey"] = "sk_test_storm",
            ["Stripe:WebhookSecret"] = "whsec_storm",
            ["Stripe:ApiBaseUrl"] = "http://127.0.0.1:9",
        }, s =>
        {
            s.RemoveAll<TimeProvider>();
            s.AddSingleton<TimeProvider>(clock);
        });

    private static async Task<(List<string> Contracts, List<string> Customers)> SeedAsync(WebApplicationFactory<Program> instance, StormOptions options, ManualTimeProvider clock)
    {
        using var scope = instance.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
        var now = clock.GetCurrentInstant();
        var (contracts, customers) = (new List<string>(), new List<string>());
        for (var i = 0; i < Math.Max(4, options.Callers / 4); i++)
        {
            var account = new Account(Guid.CreateVersion7(), "constellix", $"Storm Corp {i}", "Corporate", $"{800000 + i}", now);
            account.AddContract(Guid.CreateVersion7(), $"{9000000 + i}", new LocalDate(2026, 1, 1), new LocalDate(2026, 12, 31), now);
            db.Accounts.Add(account);
            contracts.Add($"{9000000 + i}");
            db.Accounts.Add(new Account(Guid.CreateVersion7(), "constructor", $"Storm AG {i}", "Premier", $"{700000 + i}", now));
            customers.Add($"{700000 + i}");
        }
        for (var i = 0; i < options.Technicians; i++)
        {
            var technician = new Technician(Guid.CreateVersion7(), $"Storm Tech {i}", $"+1444{i:D7}", [i % 4 == 3 ? "constructor" : "constellix"], [], now - Duration.FromHours(2));
            technician.SetAvailability(true, now - Duration.FromHours(1));
            db.Technicians.Add(technician);
        }
        await db.SaveChangesAsync();
        return (contracts, customers);
    }

    private static async Task<string> DetailAsync(string connection, string sql)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c);
        return (await command.ExecuteScalarAsync())?.ToString() ?? "";
    }

    private static async Task ExecAsync(string connection, string sql)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<int> CountAsync(string connection, string sql, string[] sids)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c);
        if (sql.Contains("$1", StringComparison.Ordinal)) command.Parameters.AddWithValue(sids);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
