using NodaTime;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Domain.Tests.Policies;

/// <summary>The policy files shipped in <c>ivr-flows/</c>, as copied next to the test assembly, and time helpers.</summary>
internal static class ShippedPolicies
{
    public const string ConstellixFile = "constellix.policy.yaml";
    public const string ConstructorFile = "constructor.policy.yaml";

    private static readonly Lazy<SupportPolicy> LoadedConstellix = new(() => Load(ConstellixFile));
    private static readonly Lazy<SupportPolicy> LoadedConstructor = new(() => Load(ConstructorFile));

    public static SupportPolicy Constellix => LoadedConstellix.Value;

    public static SupportPolicy Constructor => LoadedConstructor.Value;

    public static DateTimeZone NewYork { get; } = DateTimeZoneProviders.Tzdb["America/New_York"];

    public static DateTimeZone Zurich { get; } = DateTimeZoneProviders.Tzdb["Europe/Zurich"];

    public static string Text(string fileName) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ivr-flows", fileName));

    /// <summary>The instant of a local time that exists exactly once in <paramref name="zone"/>.</summary>
    public static Instant At(DateTimeZone zone, int year, int month, int day, int hour, int minute, int second = 0) =>
        zone.AtStrictly(new LocalDateTime(year, month, day, hour, minute, second)).ToInstant();

    public static Instant Eastern(int year, int month, int day, int hour, int minute, int second = 0) =>
        At(NewYork, year, month, day, hour, minute, second);

    public static Instant Swiss(int year, int month, int day, int hour, int minute, int second = 0) =>
        At(Zurich, year, month, day, hour, minute, second);

    public static LocalDateTime Local(Instant instant, DateTimeZone zone) => instant.InZone(zone).LocalDateTime;

    private static SupportPolicy Load(string fileName)
    {
        var (policy, errors) = PolicyParser.Parse(fileName, Text(fileName));
        return policy ?? throw new InvalidOperationException($"{fileName} does not parse:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
    }
}
