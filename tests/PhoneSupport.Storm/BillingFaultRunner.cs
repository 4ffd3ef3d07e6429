using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;
using PhoneSupport.Data;
using PhoneSupport.Emulators.Stripe;
using PhoneSupport.Features.Accounts;
using PhoneSupport.Features.Billing;
using PhoneSupport.Features.CallCore;
using PhoneSupport.TestSupport.Postgres;

namespace PhoneSupport.Storm;

public sealed record BillingFaultOptions(int Charges = 500, double FailureRate = 0.3, int Instances = 3, TimeSpan? Timeout = null);

public sealed record BillingFaultReport(
    int Charges, int PostedOnce, int PostedTwice, int NotPosted, int InvoicesTwice, int Paid, int JobsFailed, int FaultsInjected,
    int StripeRequests, int Attempts, TimeSpan Elapsed)
{
    public bool Holds => PostedOnce == Charges && PostedTwice == 0 && NotPosted == 0 && InvoicesTwice == 0 && JobsFailed == 0 && Paid == Charges;

    public override string ToString() =>
        $"""
        billing under Stripe faults: {Charges} charges in {Elapsed.TotalSeconds:0.0} s ({Charges / Math.Max(0.001, Elapsed.TotalSeconds):0.0} charges/s)
          Stripe requests                 {StripeRequests}
          of which failed on purpose      {FaultsInjected} (500 before, 500 after doing it, 429)
          outbox attempts                 {Attempts}
        invariants
          charges posted exactly once     {PostedOnce}
          charges posted twice            {PostedTwice}
          charges never posted (lost)     {NotPosted}
          incidents invoiced twice        {InvoicesTwice}
          charges paid                    {Paid}
          outbox jobs given up            {JobsFailed}
        {(Holds ? "ALL INVARIANTS HOLD" : "INVARIANT VIOLATED")}
        """;
}

/// <summary>
/// The billing fault harness: <see cref="BillingFaultOptions.Charges"/> closed incidents, each with one charge and its
/// outbox job, posted by the outbox workers of several service instances at once (their real background loops, real
/// clock) against a Stripe emulator that fails a share of all requests — refused, done-but-answer-lost, or rate
/// limited — while its signed events reach one instance's webhook. Then the emulator's books and the database are
/// compared: every charge one invoice item, every incident one invoice, every invoice paid once.
/// </summary>
public static class BillingFaultRunner
{
    public static async Task<BillingFaultReport> RunAsync(BillingFaultOptions options, PostgresServer server, TextWriter log)
    {
        InProcessInstances.PrepareProcess();
        var connection = await server.CreateDatabaseAsync($"phonesupport_billing_{Guid.NewGuid():N}"[..30]);
        var instances = new List<WebApplicationFactory<Program>>();
        await using var stripe = new StripeEmulator(new StripeEmulatorOptions
        {
            SecretKey = "sk_test_faults", WebhookSecret = "whsec_faults", ApiVersion = "2026-10-28.endive",
            WebhookUrl = "http://localhost/stripe/webhook",
            EnabledEvents = [.. StripeEmulatorOptions.DefaultEnabledEvents, "invoice_payment.paid"],
            WebhookHandler = () => new LazyHandler(() => instances[0].Server.CreateHandler()),
        });
        await stripe.StartAsync();
        try
        {
            // The first instance migrates and is seeded with its workers paused (posting delayed); then all start at once.
            var seeding = Instance(connection, stripe.BaseUrl, workers: false);
            await SeedAsync(seeding, options.Charges);
            await seeding.DisposeAsync();
            stripe.FailRandomly(options.FailureRate, seed: 7);
            log.WriteLine($"{options.Instances} instances posting {options.Charges} charges, Stripe failing {options.FailureRate:P0} of requests");
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < options.Instances; i++)
            {
                instances.Add(Instance(connection, stripe.BaseUrl, workers: true));
                _ = instances[^1].Services; // starts the host and its outbox loop
            }
            var deadline = DateTime.UtcNow + (options.Timeout ?? TimeSpan.FromMinutes(10));
            while (await CountAsync(connection, "select count(*) from billing_outbox where status = 'pending'") > 0 && DateTime.UtcNow < deadline)
                await Task.Delay(200);
            watch.Stop();
            stripe.FailRandomly(0);
            await stripe.WaitForDeliveriesAsync();

            var charges = (await ListAsync(connection, "select id::text from charges")).ToHashSet();
            var items = stripe.InvoiceItems.GroupBy(i => i.Metadata.GetValueOrDefault("charge_id") ?? "").ToDictionary(g => g.Key, g => g.Count());
            var invoicesPerIncident = stripe.Invoices.GroupBy(i => i.Metadata.GetValueOrDefault("incident_id") ?? "").Select(g => g.Count()).ToList();
            return new BillingFaultReport(
                charges.Count,
                PostedOnce: charges.Count(c => items.GetValueOrDefault(c) == 1),
                PostedTwice: charges.Count(c => items.GetValueOrDefault(c) > 1),
                NotPosted: charges.Count(c => items.GetValueOrDefault(c) == 0),
                InvoicesTwice: invoicesPerIncident.Count(n => n > 1) + stripe.Invoices.Count(i => i.AttemptCount > 1),
                Paid: await CountAsync(connection, "select count(*) from charges where status = 'paid'"),
                JobsFailed: await CountAsync(connection, "select count(*) from billing_outbox where status <> 'done'"),
                FaultsInjected: stripe.RandomFailures,
                StripeRequests: stripe.Requests.Count,
                Attempts: await CountAsync(connection, "select coalesce(sum(attempts), 0) from billing_outbox"),
                watch.Elapsed);
        }
        finally
        {
            foreach (var instance in instances) await instance.DisposeAsync();
        }
    }

    private static WebApplicationFactory<Program> Instance(string connection, string stripe, bool workers) =>
        InProcessInstances.Create(connection, new Dictionary<string, string>
        {
            ["Twilio:AccountSid"] = "AC0123456789abcdef0123456789abcdef",
            ["Twilio:AuthToken"] = "billing-faults-auth-token-0123456789",
            ["Twilio:ApiBaseUrl"] = "http://127.0.0.1:9",
            ["Stripe:SecretKey"] = "sk_test_faults",
            ["Stripe:WebhookSecret"] = "whsec_faults",
            ["Stripe:ApiBaseUrl"] = stripe,
            ["Stripe:MaxRetries"] = "1",
            ["Stripe:RetryBaseDelay"] = "00:00:00.020",
            ["Stripe:RetryMaxDelay"] = "00:00:00.100",
            ["PhoneSupport:Billing:WorkerEnabled"] = workers ? "true" : "false",
            ["PhoneSupport:Billing:PollInterval"] = "00:00:00.100",
            ["PhoneSupport:Billing:RetryBaseDelay"] = "00:00:00.050",
            ["PhoneSupport:Billing:MaxRetryDelay"] = "00:00:01",
            ["PhoneSupport:Billing:LeaseTime"] = "00:00:30",
            ["PhoneSupport:Billing:BatchSize"] = "10",
            ["Logging:LogLevel:Default"] = "Error",
        });

    /// <summary>Closed incidents with one pending charge and its outbox job each, as <see cref="IncidentService"/> leaves them.</summary>
    private static async Task SeedAsync(WebApplicationFactory<Program> factory, int count)
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PhoneSupportDb>();
        var now = SystemClock.Instance.GetCurrentInstant();
        var accounts = Enumerable.Range(0, Math.Max(1, count / 10)).Select(i =>
        {
            var account = new Account(Guid.CreateVersion7(), "constellix", $"Fault Test {i}", "Corporate", $"9{i:D7}", now) { StripeCustomerId = $"cus_Fault{i:D6}" };
            account.AddPhoneNumber($"+1555{i:D7}");
            return account;
        }).ToList();
        db.Accounts.AddRange(accounts);
        for (var i = 0; i < count; i++)
        {
            var account = accounts[i % accounts.Count];
            var call = CallRecord.ApiContact("CA", "constellix", account.PhoneNumbers[0].PhoneNumber, "+17038803095", account.Id, new Dictionary<string, string>(), "{}", now);
            db.Calls.Add(call);
            var incident = new Incident(Guid.CreateVersion7(), "constellix", account.Id, null, call.CallSid, "liveRouteWithPrice", "night", "fault-test", now - Duration.FromMinutes(40));
            incident.Close(2400, now);
            db.Incidents.Add(incident);
            var charge = new Charge(Guid.CreateVersion7(), incident.Id, account.Id, "priced", "night", 12000, "usd", 3600, 2, 12000, null, "fault-test", null, now)
                .From("call", null, null, $"Night phone support, fault test {i}", account.StripeCustomerId);
            db.Charges.Add(charge);
            db.BillingJobs.Add(new BillingJob(Guid.CreateVersion7(), BillingJob.Invoice, incident.Id, [charge.Id], now));
        }
        await db.SaveChangesAsync();
    }

    private static async Task<int> CountAsync(string connection, string sql)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<List<string>> ListAsync(string connection, string sql)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }
}
