using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using NodaTime;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Tests.Hardening;
using PhoneSupport.Tests.Infrastructure;
using PhoneSupport.TestSupport.Time;

namespace PhoneSupport.Tests.PolicyVersions;

/// <summary>
/// Decision 018: the files are the base. On a database of its own: instances starting together record each file's
/// version once; a file changed under the same <c>version:</c> is logged as an error and the stored text kept; a new
/// <c>version:</c> is a new version effective from that start, the earlier one still deciding before it.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed class FileVersionTests(ServiceFixture fixture) : IAsyncLifetime
{
    private readonly string _database = "versions_" + Guid.NewGuid().ToString("N")[..12];
    private readonly ManualTimeProvider _clock = new(Instant.FromUtc(2026, 9, 1, 12, 0), timersInRealTime: true);
    private string _flows = "";
    private string _connection = "";

    public async Task InitializeAsync()
    {
        _flows = Directory.CreateTempSubdirectory("flows-versions-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "ivr-flows")))
            File.Copy(file, Path.Combine(_flows, Path.GetFileName(file)));
        _connection = await fixture.Server.CreateDatabaseAsync(_database);
    }

    public async Task DisposeAsync()
    {
        await fixture.Server.DropDatabaseAsync(_database);
        Directory.Delete(_flows, recursive: true);
    }

    private WebApplicationFactory<Program> Host(CapturingLoggerProvider? logs = null) =>
        fixture.CreateFactory("Development", _connection, new Dictionary<string, string?> { ["PhoneSupport:FlowsPath"] = _flows }, _clock)
            .WithWebHostBuilder(web => web.ConfigureLogging(logging => { if (logs is not null) logging.AddProvider(logs); }));

    private async Task<List<(string Provider, string Version, Instant From, string Source)>> RowsAsync()
    {
        await using var connection = new NpgsqlConnection(_connection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select provider, version, effective_from, source from policy_versions order by provider, effective_from", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string, Instant, string)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetString(1), Instant.FromDateTimeUtc(reader.GetDateTime(2)), reader.GetString(3)));
        return rows;
    }

    private string PolicyFile => Path.Combine(_flows, "constellix.policy.yaml");

    [Fact]
    public async Task InstancesStartingTogether_RecordEachFileOnce_AChangedFileNeedsANewVersion()
    {
        var hosts = Enumerable.Range(0, 3).Select(_ => Host()).ToList();
        await Task.WhenAll(hosts.Select(h => Task.Run(() => h.CreateClient())));
        var started = _clock.GetCurrentInstant();
        Assert.Equal([("constellix", "2026.11.1", started, "file"), ("constructor", "2026.11.1", started, "file")], await RowsAsync());
        foreach (var h in hosts) await h.DisposeAsync();

        // The same version with other text: an error in the log, the stored version kept; this instance runs its file.
        var shipped = await File.ReadAllTextAsync(PolicyFile);
        await File.WriteAllTextAsync(PolicyFile, shipped.Replace("ratesPerHour: { night: 12000,", "ratesPerHour: { night: 13000,", StringComparison.Ordinal));
        var logs = new CapturingLoggerProvider();
        _clock.Advance(Duration.FromDays(1));
        await using (var edited = Host(logs))
        {
            edited.CreateClient();
            Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("constellix.policy.yaml says version 2026.11.1 of constellix", StringComparison.Ordinal)
                && e.Message.Contains("new version:", StringComparison.Ordinal));
            Assert.Equal(2, (await RowsAsync()).Count);
            Assert.Equal(13000, edited.Services.GetRequiredService<PolicyCatalog>().For("constellix")!.Plan("Corporate")!.Contract!.RatesPerHour[Window.Night]);
        }

        // A new version in the file: a new version effective from this start; the earlier one still decides before it.
        await File.WriteAllTextAsync(PolicyFile, shipped.Replace("version: \"2026.11.1\"", "version: \"2026.12.1\"", StringComparison.Ordinal)
            .Replace("ratesPerHour: { night: 12000,", "ratesPerHour: { night: 13000,", StringComparison.Ordinal));
        _clock.Advance(Duration.FromDays(1));
        var restarted = _clock.GetCurrentInstant();
        await using var host = Host();
        host.CreateClient();
        Assert.Contains(("constellix", "2026.12.1", restarted, "file"), await RowsAsync());
        var catalog = host.Services.GetRequiredService<PolicyCatalog>();
        Assert.Equal("2026.12.1", catalog.For("constellix")!.Version);
        Assert.Equal("2026.11.1", catalog.At("constellix", restarted - Duration.FromHours(1))!.Version);
        Assert.Equal(12000, catalog.At("constellix", restarted - Duration.FromHours(1))!.Plan("Corporate")!.Contract!.RatesPerHour[Window.Night]); // the stored text
    }
}
