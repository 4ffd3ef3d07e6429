using System.Globalization;
using PhoneSupport.TestSupport.Postgres;

namespace PhoneSupport.Storm;

/// <summary><c>dotnet run --project tests/PhoneSupport.Storm -c Release -- [callers] [technicians] [instances]</c></summary>
public static class StormProgram
{
    public static async Task<int> Main(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        var options = new StormOptions(Arg(0, 200), Arg(1, 20), Arg(2, 3), Arg(3, 10));
        await using var server = await PostgresServer.StartAsync();
        var report = await StormRunner.RunAsync(options, server, Console.Out);
        Console.WriteLine(report);
        return report.Holds ? 0 : 1;
    }
}
