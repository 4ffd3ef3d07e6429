using System.Globalization;

namespace PhoneSupport.Load;

/// <summary>
/// CPU time of processes (user + system, from <c>/proc/PID/stat</c>): per request it is a figure that other load on
/// the machine hardly moves, unlike throughput.
/// </summary>
public sealed class CpuMeter(params int[] pids)
{
    private readonly double _start = Seconds(pids);

    public double ElapsedSeconds => Seconds(pids) - _start;

    public static double Seconds(IEnumerable<int> pids) => pids.Sum(Seconds);

    private static double Seconds(int pid)
    {
        var path = $"/proc/{pid}/stat";
        if (!File.Exists(path)) return 0;
        try
        {
            var stat = File.ReadAllText(path);
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after the command name.
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
