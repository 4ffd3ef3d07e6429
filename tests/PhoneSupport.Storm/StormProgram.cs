using System.Globalization;
using PhoneSupport.TestSupport.Postgres;

namespace PhoneSupport.Storm;

/// <summary>
/// <c>dotnet run --project tests/PhoneSupport.Storm -c Release -- [callers] [technicians] [instances]</c>: the call storm;
/// <c>… -- billing [charges] [failure rate] [instances]</c>: the billing fault harness.
/// </summary>
public static class StormProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.FirstOrDefault() == "billing")
        {
            var billing = new BillingFaultOptions(
                args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500,
                args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 0.3,
                args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3);
            await using var postgres = await PostgresServer.StartAsync();
            var result = await BillingFaultRunner.RunAsync(billing, postgres, Console.Out);
            Console.WriteLine(result);
            return result.Holds ? 0 : 1;
        }

        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        var options = new StormOptions(Arg(0, 200), Arg(1, 20), Arg(2, 3), Arg(3, 10));
        await using var server = await PostgresServer.StartAsync();
        var report = await StormRunner.RunAsync(options, server, Console.Out);
        Console.WriteLine(report);
        return report.Holds ? 0 : 1;
    }
}
