using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace PhoneSupport.Load;

/// <summary>Where things are: the repository, the service's build output, the harness's own assembly.</summary>
public static class Paths
{
    /// <summary>The build configuration the harness runs in (Release or Debug), read from its own output folder.</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "PhoneSupport.sln"))) return dir.FullName;
            throw new InvalidOperationException("PhoneSupport.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The service's build output (built with the harness: it is a project reference).</summary>
    public static string ServiceDll
    {
        get
        {
            var dll = Path.Combine(RepositoryRoot, "src", "PhoneSupport", "bin", Configuration, "net10.0", "PhoneSupport.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build the solution first (dotnet build -c {Configuration}).");
        }
    }

    /// <summary>Whether the service runs with the server garbage collector (the references then do too).</summary>
    public static bool ServiceUsesServerGc
    {
        get
        {
            var config = Path.ChangeExtension(ServiceDll, ".runtimeconfig.json");
            return JsonNode.Parse(File.ReadAllText(config))?["runtimeOptions"]?["configProperties"]?["System.GC.Server"]?.GetValue<bool>() ?? false;
        }
    }

    public static string LogDirectory
    {
        get
        {
            var dir = Path.Combine(RepositoryRoot, ".local", "load");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// A child process on a loopback port: a service instance (<c>dotnet PhoneSupport.dll</c>) or a reference server
/// (this harness in <c>reference</c> mode). Output goes to a log file under <c>.local/load</c>.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ChildProcess(Process process, StreamWriter log, int port, string name)
    {
        _process = process;
        _log = log;
        Port = port;
        Name = name;
    }

    public int Port { get; }
    public string Name { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Starts a service instance on a free port and waits until <c>/readyz</c> answers 200.</summary>
    public static async Task<ChildProcess> StartServiceAsync(string name, IReadOnlyDictionary<string, string> environment, int? port = null)
    {
        var p = port ?? Paths.FreePort();
        var env = new Dictionary<string, string>(environment) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{p}" };
        var child = Start(name, [Paths.ServiceDll], env, p);
        await child.WaitReadyAsync("/readyz", TimeSpan.FromSeconds(90));
        return child;
    }

    /// <summary>Starts this harness as a reference server (bare Kestrel) on a free port.</summary>
    public static async Task<ChildProcess> StartReferenceAsync(string connectionString)
    {
        var p = Paths.FreePort();
        var env = new Dictionary<string, string> { ["DOTNET_gcServer"] = Paths.ServiceUsesServerGc ? "1" : "0" };
        var child = Start("reference", [typeof(ChildProcess).Assembly.Location, "reference", "--port", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "--db", connectionString], env, p);
        await child.WaitReadyAsync("/ready", TimeSpan.FromSeconds(60));
        return child;
    }

    private static ChildProcess Start(string name, string[] args, IReadOnlyDictionary<string, string> environment, int port)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Paths.RepositoryRoot,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        var log = new StreamWriter(Path.Combine(Paths.LogDirectory, $"{name}.log"), append: true) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        if (!process.Start()) throw new InvalidOperationException($"Could not start {name}.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process, log, port, name);
    }

    private async Task WaitReadyAsync(string path, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} during start-up; see {Path.Combine(Paths.LogDirectory, Name + ".log")}.");
            try
            {
                using var response = await http.GetAsync(BaseUrl + path);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds} s.");
    }

    /// <summary><c>kill -9</c>: no shutdown, no draining, leases left as they are.</summary>
    public void KillHard() => _process.Kill();

    /// <summary>SIGTERM: the host's graceful shutdown. Waits for the process to exit.</summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan timeout)
    {
        var started = Stopwatch.GetTimestamp();
        if (_process.HasExited) return TimeSpan.Zero;
        if (SendSignal(_process.Id, 15) != 0) throw new InvalidOperationException($"kill -TERM {_process.Id} failed.");
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            throw new TimeoutException($"{Name} did not stop within {timeout.TotalSeconds} s of SIGTERM.");
        }
        return Stopwatch.GetElapsedTime(started);
    }

    public int ExitCode => _process.ExitCode;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }
}
