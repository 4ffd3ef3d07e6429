using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using PhoneSupport.Features.Development;
using PhoneSupport.Features.Platform;
using PhoneSupport.Tests.Hardening;
using PhoneSupport.Tests.Infrastructure;

namespace PhoneSupport.Tests.Platform;

/// <summary>
/// Decision 016: one time source. The service's <see cref="TimeProvider"/> is the only "now"; the NodaTime <see cref="IClock"/>
/// is a bridge over it; no code in the service or the domain reads the system clock itself or waits on a timer it does not own.
/// </summary>
[Collection(ServiceHostCollection.Name)]
public sealed partial class TimeSourceTests(ServiceFixture fixture)
{
    /// <summary>Reads of the machine's clock and timers that bypass the injected TimeProvider.</summary>
    [GeneratedRegex(@"\b(DateTime(Offset)?\.(Now|UtcNow|Today)|SystemClock\.Instance|Stopwatch\.(StartNew|GetTimestamp|GetElapsedTime)|Environment\.TickCount(64)?|\.CancelAfter\()")]
    private static partial Regex ClockRead();

    [GeneratedRegex(@"\bnew PeriodicTimer\(|\bTask\.Delay\(|\bnew CancellationTokenSource\(")]
    private static partial Regex TimerStart();

    [GeneratedRegex(@"^(ct|cancellationToken|stoppingToken|token|\w*\.Token|CancellationToken\.None|default)$")]
    private static partial Regex TokenArgument();

    [Fact]
    public void ServiceAndDomainSources_NeverReadTheSystemClock_AndStartEveryTimerOnTheTimeProvider()
    {
        var root = SecretsTests.RepoRoot();
        var files = new[] { "PhoneSupport", "PhoneSupport.Domain" }
            .SelectMany(project => Directory.EnumerateFiles(Path.Combine(root, "src", project), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .ToList();
        Assert.Contains(files, f => f.EndsWith("TimeProviderClock.cs", StringComparison.Ordinal));

        var found = new List<string>();
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var where = Path.GetRelativePath(root, file);
            foreach (Match read in ClockRead().Matches(text))
                found.Add($"{where}:{Line(text, read.Index)}: {read.Value}");
            foreach (Match start in TimerStart().Matches(text))
            {
                var arguments = Arguments(text, start.Index + start.Length);
                // Task.Delay(delay, time, ct), new PeriodicTimer(period, time), new CancellationTokenSource(delay, time):
                // a second argument that is the TimeProvider, not a cancellation token. A token source with no delay is fine.
                var timed = start.Value.Contains("CancellationTokenSource", StringComparison.Ordinal) && arguments.Count == 0
                    || arguments.Count >= 2 && !TokenArgument().IsMatch(arguments[1]);
                if (!timed) found.Add($"{where}:{Line(text, start.Index)}: {start.Value}{string.Join(", ", arguments)})");
            }
        }
        Assert.Empty(found);
    }

    [Fact]
    public void TheClockAndTheTimeProvider_OfAHost_AreOneSource()
    {
        var services = fixture.Factory.Services;
        var clock = services.GetRequiredService<IClock>();
        var time = services.GetRequiredService<TimeProvider>();
        var before = fixture.Clock.GetCurrentInstant();
        try
        {
            fixture.Clock.Set(Instant.FromUtc(2026, 11, 28, 4, 30));
            Assert.Same(fixture.Clock, time);
            Assert.Equal(Instant.FromUtc(2026, 11, 28, 4, 30), clock.GetCurrentInstant());
            fixture.Clock.Advance(Duration.FromMinutes(90));
            Assert.Equal(Instant.FromUtc(2026, 11, 28, 6, 0), clock.GetCurrentInstant());
            Assert.Equal(new DateTimeOffset(2026, 11, 28, 6, 0, 0, TimeSpan.Zero), time.GetUtcNow());
        }
        finally
        {
            fixture.Clock.Set(before);
        }
    }

    [Fact]
    public void TheDevelopmentClock_IsATimeProvider_ThatTheBridgeReads_AndAdvancesBoth()
    {
        var start = Instant.FromUtc(2026, 11, 24, 15, 0);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [DevelopmentClock.StartAtKey] = "2026-11-24T15:00:00Z" }).Build();
        var development = DevelopmentClock.FromConfiguration(configuration, TimeProvider.System);
        var bridge = new TimeProviderClock(development);

        var first = bridge.GetCurrentInstant();
        Assert.InRange(first, start, start + Duration.FromMinutes(1)); // ticks in real time from the configured start
        development.Advance(Duration.FromDays(2));
        var advanced = bridge.GetCurrentInstant();
        Assert.InRange(advanced, first + Duration.FromDays(2), first + Duration.FromDays(2) + Duration.FromMinutes(1));
        Assert.InRange(Instant.FromDateTimeOffset(development.GetUtcNow()), advanced, advanced + Duration.FromMinutes(1));
    }

    private static int Line(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    /// <summary>The top-level arguments of the call whose '(' ends at <paramref name="from"/>, trimmed.</summary>
    private static List<string> Arguments(string text, int from)
    {
        var arguments = new List<string>();
        var depth = 0;
        var begin = from;
        for (var i = from; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}')
            {
                if (depth == 0)
                {
                    var last = text[begin..i].Trim();
                    if (last.Length > 0 || arguments.Count > 0) arguments.Add(last);
                    return arguments;
                }
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                arguments.Add(text[begin..i].Trim());
                begin = i + 1;
            }
        }
        return arguments;
    }
}
