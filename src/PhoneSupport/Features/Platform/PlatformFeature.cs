using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NodaTime;
using PhoneSupport.Configuration;
using PhoneSupport.Data;
using PhoneSupport.Twilio;

namespace PhoneSupport.Features.Platform;

/// <summary>Configuration checked at start-up, the database, the clock, health and readiness.</summary>
public static class PlatformFeature
{
    public static WebApplicationBuilder AddPlatform(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PhoneSupportOptions>().BindConfiguration(PhoneSupportOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TwilioOptions>().BindConfiguration(TwilioOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DatabaseOptions>().BindConfiguration("ConnectionStrings").ValidateDataAnnotations()
            .Validate(o => DatabaseOptions.IsParsable(o.PhoneSupport), "ConnectionStrings:PhoneSupport is not a valid PostgreSQL connection string.")
            .ValidateOnStart();

        var connectionString = WithPreparedStatements(builder.Configuration.GetConnectionString("PhoneSupport") ?? "");
        var countRoundTrips = builder.Configuration.GetValue<bool>(DatabaseRoundTrips.Switch);
        // NodaTime through the Npgsql plugin: Instant ↔ timestamptz, LocalDate ↔ date, Duration ↔ interval, for EF Core
        // and for raw commands on the context's connection (they read timestamptz as Instant).
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).UseNodaTime().Build());
        services.AddDbContextPool<PhoneSupportDb>((sp, o) =>
        {
            o.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), npgsql => npgsql.UseNodaTime());
            if (countRoundTrips) o.AddInterceptors(DatabaseRoundTrips.Interceptors);
        });

        // One time source (decision 016): a TimeProvider, and the NodaTime IClock as a bridge over it, so both always agree.
        if (builder.Environment.IsDevelopment())
        {
            services.AddSingleton(sp => DevelopmentClock.FromConfiguration(builder.Configuration, TimeProvider.System));
            services.AddSingleton<TimeProvider>(sp => sp.GetRequiredService<DevelopmentClock>());
        }
        else
        {
            services.AddSingleton(TimeProvider.System);
        }
        services.AddSingleton<IClock>(sp => new TimeProviderClock(sp.GetRequiredService<TimeProvider>()));
        services.AddProblemDetails();
        return builder;
    }

    /// <summary>
    /// The hot statements (webhook inserts, look-ups by call sid, reservations) are the same few dozen texts over and over:
    /// Npgsql prepares a statement on its connection once it has run a few times, so PostgreSQL stops parsing and planning
    /// it per request. Preparation costs no extra round trip (Parse rides with the first execution). A connection string
    /// that sets <c>Max Auto Prepare</c> (0 turns it off) or <c>No Reset On Close</c> itself is kept as written for that setting.
    /// <para>
    /// <c>No Reset On Close</c>: a connection going back to the pool is not reset (Npgsql's reset with prepared statements is a
    /// statement of its own, a PostgreSQL transaction each time: measured, it was half the transactions of a call — 17.4 → 9.3
    /// per contract call, decision 017). The service leaves no session state behind: its locks are transaction-scoped, an open
    /// transaction is still rolled back when its connection closes, the one LISTEN unlistens before giving its connection back
    /// (Closures), and the session-level advisory locks (migrations, the first Data Protection key) use connections of their own.
    /// </para>
    /// </summary>
    public static string WithPreparedStatements(string connectionString)
    {
        if (!DatabaseOptions.IsParsable(connectionString)) return connectionString; // refused with its key at start-up
        var parsed = new NpgsqlConnectionStringBuilder(connectionString);
        bool Says(string key) => connectionString.Contains(key, StringComparison.OrdinalIgnoreCase)
            || connectionString.Contains(key.Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        if (!Says("Auto Prepare"))
        {
            parsed.MaxAutoPrepare = 128;
            parsed.AutoPrepareMinUsages = 3;
        }
        // Each setting the connection string names itself is kept as written.
        if (!Says("Reset On Close")) parsed.NoResetOnClose = true;
        return parsed.ConnectionString;
    }

    /// <summary>Applies pending SQL migrations (under an advisory lock) before the service takes requests.</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var applied = await MigrationRunner.ApplyAsync(options.PhoneSupport);
        if (applied.Count > 0) app.Logger.LogInformation("Applied migrations {Versions}", string.Join(", ", applied));
    }

    public static WebApplication MapHealth(this WebApplication app)
    {
        // Diagnostics (the load harness): database round trips per response, in a header.
        if (app.Configuration.GetValue<bool>(DatabaseRoundTrips.Switch)) DatabaseRoundTrips.UseDatabaseRoundTripHeaders(app);
        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" })).ExcludeFromDescription();
        // /readyz answers the probe with a status only: why it is not ready goes to the log, never to the caller.
        app.MapGet("/readyz", async (PhoneSupportDb db, ILoggerFactory logs, CancellationToken ct) =>
        {
            try
            {
                var connection = (NpgsqlConnection)db.Database.GetDbConnection();
                await db.Database.OpenConnectionAsync(ct);
                var pending = await MigrationRunner.PendingAsync(connection, ct);
                if (pending.Count == 0) return Results.Ok(new { status = "ready" });
                logs.CreateLogger("PhoneSupport.Readiness").LogWarning("Not ready: migrations not applied: {Pending}", string.Join(", ", pending));
                return Results.Problem(title: "Not ready", statusCode: 503);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // Npgsql's own exceptions, and the same wrapped by EF (InvalidOperationException, RetryLimitExceeded...),
                // timeouts and socket errors: whatever stops the database answering means not ready.
                logs.CreateLogger("PhoneSupport.Readiness").LogWarning(e, "Not ready: the database is not reachable");
                return Results.Problem(title: "Not ready", statusCode: 503);
            }
        }).ExcludeFromDescription();
        return app;
    }
}

/// <summary>The <c>ConnectionStrings</c> section.</summary>
public sealed class DatabaseOptions
{
    [Required(ErrorMessage = "ConnectionStrings:PhoneSupport is required (a PostgreSQL connection string).")]
    public string PhoneSupport { get; set; } = "";

    public static bool IsParsable(string value)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(value);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
