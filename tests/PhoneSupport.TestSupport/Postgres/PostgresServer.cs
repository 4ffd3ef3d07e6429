using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace PhoneSupport.TestSupport.Postgres;

/// <summary>
/// A throwaway PostgreSQL cluster for tests: <c>initdb</c> + <c>pg_ctl</c> in a temp folder on a free loopback
/// port (no containers on these machines). As root it runs the binaries as the <c>postgres</c> user, since
/// <c>initdb</c> refuses root. Durability is switched off: the data is thrown away.
/// Set <c>PHONESUPPORT_TEST_DATABASE</c> to a connection string to use an existing server instead.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string ExternalVariable = "PHONESUPPORT_TEST_DATABASE";

    private readonly string? _dataDirectory;
    private readonly string? _binDirectory;
    private readonly string? _options;

    private PostgresServer(string adminConnectionString, string? dataDirectory, string? binDirectory, string? options = null)
    {
        AdminConnectionString = adminConnectionString;
        _dataDirectory = dataDirectory;
        _binDirectory = binDirectory;
        _options = options;
    }

    /// <summary>Stops the server (fast shutdown: open sessions are ended), for fault tests. Only for a cluster of our own.</summary>
    public async Task StopAsync()
    {
        if (_dataDirectory is null || _binDirectory is null) throw new InvalidOperationException("An external server cannot be stopped.");
        await RunPostgresAsync(_binDirectory, Environment.UserName == "root", "pg_ctl", ["-D", _dataDirectory, "-m", "fast", "-w", "stop"]);
    }

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same port.</summary>
    public async Task StartAgainAsync()
    {
        if (_dataDirectory is null || _binDirectory is null) throw new InvalidOperationException("An external server cannot be started.");
        await RunPostgresAsync(_binDirectory, Environment.UserName == "root", "pg_ctl",
            ["-D", _dataDirectory, "-l", Path.Combine(Path.GetDirectoryName(_dataDirectory)!, "server.log"), "-o", _options!, "-w", "-t", "60", "start"]);
    }

    /// <summary>A superuser connection to the <c>postgres</c> database.</summary>
    public string AdminConnectionString { get; }

    public static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(ExternalVariable) is { Length: > 0 } external)
            return new PostgresServer(external, null, null);

        var bin = FindBinDirectory();
        var root = Path.Combine(Path.GetTempPath(), $"phonesupport-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var data = Path.Combine(root, "data");
        var asRoot = Environment.UserName == "root";
        if (asRoot) await RunAsync("chown", ["-R", "postgres:postgres", root]);
        var port = FreePort();

        await RunPostgresAsync(bin, asRoot, "initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
        var options = $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
        await RunPostgresAsync(bin, asRoot, "pg_ctl", ["-D", data, "-l", Path.Combine(root, "server.log"), "-o", options, "-w", "-t", "60", "start"]);
        var admin = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false";
        return new PostgresServer(admin, data, bin, options);
    }

    /// <summary>Creates an empty database and returns its connection string (non-UTC session time zone on purpose).</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"drop database if exists \"{name}\" with (force)", connection);
            await drop.ExecuteNonQueryAsync();
            await using var create = new NpgsqlCommand($"create database \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true, Timezone = "America/Los_Angeles" };
        return builder.ConnectionString;
    }

    public async Task DropDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists \"{name}\" with (force)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataDirectory is null || _binDirectory is null) return;
        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunPostgresAsync(_binDirectory, Environment.UserName == "root", "pg_ctl", ["-D", _dataDirectory, "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            try { Directory.Delete(Path.GetDirectoryName(_dataDirectory)!, recursive: true); }
            catch (IOException) { /* a temp folder left behind is harmless */ }
        }
    }

    private static string FindBinDirectory()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).OrderDescending()
            : Enumerable.Empty<string>();
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin. Install them with deploy/setup.sh " +
                $"(Debian package 'postgresql'), or set {ExternalVariable} to a connection string.");
    }

    private static Task RunPostgresAsync(string bin, bool asRoot, string tool, string[] args) =>
        asRoot ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, tool), .. args]) : RunAsync(Path.Combine(bin, tool), args);

    private static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}{await stdout}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
