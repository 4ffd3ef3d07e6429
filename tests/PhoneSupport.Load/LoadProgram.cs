using System.Globalization;

namespace PhoneSupport.Load;

/// <summary>
/// <c>dotnet run --project tests/PhoneSupport.Load -c Release -- &lt;scenario&gt; [--option value ...]</c>; scenarios in
/// the README's "Performance" section. Exit code 0 when the scenario's checks pass.
/// </summary>
public static class LoadProgram
{
    public static async Task<int> Main(string[] argv)
    {
        if (argv.Length == 0)
        {
            Console.WriteLine("scenarios: bench | scale | reports | whatif | storm | faults [kill|postgres|twilio|slowdb|shutdown] | all   (README: Performance)");
            return 2;
        }
        var args = new Args(argv[1..]);
        if (argv[0] == "reference")
        {
            await ReferenceServer.RunAsync(args.Int("port", 0), args.Get("db")!);
            return 0;
        }
        for (var i = 1; i < argv.Length - 1; i++)
            if (argv[i] == "--set" && argv[i + 1].Split('=', 2) is [var key, var value]) Harness.Overrides[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        var log = Console.Out;
        log.WriteLine($"{DateTimeOffset.UtcNow:u} scenario {string.Join(' ', argv)} on {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        await using var harness = await Harness.StartAsync(log);
        var ok = argv[0] switch
        {
            "bench" => await Scenarios.BenchAsync(harness, args),
            "incoming" => await Scenarios.IncomingAsync(harness, args),
            "scale" => await Scenarios.ScaleAsync(harness, args),
            "reports" => await Scenarios.ReportsAsync(harness, args),
            "whatif" => await WhatIfLoad.RunAsync(harness, args),
            "storm" => await Scenarios.StormAsync(harness, args),
            "faults" => await Scenarios.FaultsAsync(harness, argv.Length > 1 && !argv[1].StartsWith("--", StringComparison.Ordinal) ? argv[1] : "all", args),
            "all" => await Scenarios.AllAsync(harness, args),
            _ => throw new ArgumentException($"Unknown scenario {argv[0]}."),
        };
        log.WriteLine($"{DateTimeOffset.UtcNow:u} load average {LoadAverage()}; {(ok ? "PASS" : "FAIL")}");
        return ok ? 0 : 1;
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
