using System.Diagnostics;
using PhoneSupport.Data;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Hardening;

/// <summary>The migration Job's command: the service process applies the migrations under the advisory lock and exits 0.</summary>
[Collection(ServiceHostCollection.Name)]
public sealed class MigrateOnlyTests(ServiceFixture fixture)
{
    private static async Task<(int ExitCode, string Output)> RunHostAsync(string connectionString, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PhoneSupport.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["ConnectionStrings__PhoneSupport"] = connectionString;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // Nothing else: the Job has no Twilio or Stripe settings, and must not need them.
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task MigrateOnly_AppliesEveryMigrationAndExits0_ThenAgainChangesNothing()
    {
        var connection = await fixture.Server.CreateDatabaseAsync("phonesupport_migrate_only");

        var (first, output) = await RunHostAsync(connection, "--migrate-only");
        var applied = await CountAsync(connection);
        var (second, _) = await RunHostAsync(connection, "--migrate-only");

        Assert.True(first == 0, output);
        Assert.Equal(MigrationRunner.Scripts.Count, applied);
        Assert.Contains("Applied migrations", output);
        Assert.Equal(0, second);
        Assert.Equal(MigrationRunner.Scripts.Count, await CountAsync(connection));
    }

    [Fact]
    public async Task MigrateOnly_WithAnUnreachableDatabase_ExitsNonZero()
    {
        var (code, output) = await RunHostAsync("Host=127.0.0.1;Port=1;Username=postgres;Database=nowhere;Timeout=2", "--migrate-only");

        Assert.NotEqual(0, code);
        Assert.Contains("127.0.0.1", output);
    }

    private static async Task<int> CountAsync(string connection)
    {
        await using var c = new Npgsql.NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select count(*) from schema_migrations", c);
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }
}
