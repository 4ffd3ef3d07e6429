using NodaTime;
using PhoneSupport.Domain.Reports;

namespace PhoneSupport.Domain.Tests.Reports;

public sealed class ReportFiguresTests
{
    private static readonly DateTimeZone Zurich = DateTimeZoneProviders.Tzdb["Europe/Zurich"];
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];

    [Theory]
    [InlineData("2030-03-04T22:59:59Z", "Europe/Zurich", "2030-03-04")]
    [InlineData("2030-03-04T23:00:00Z", "Europe/Zurich", "2030-03-05")]
    [InlineData("2030-03-05T04:30:00Z", "America/New_York", "2030-03-04")]
    [InlineData("2030-03-31T22:30:00Z", "Europe/Zurich", "2030-04-01")] // CEST: UTC+2 after the last Sunday of March
    public void LocalDay_IsTheProvidersCalendarDay(string instant, string zone, string expected)
    {
        var at = NodaTime.Text.InstantPattern.ExtendedIso.Parse(instant).Value;

        var day = ReportPeriods.LocalDay(at, DateTimeZoneProviders.Tzdb[zone]);

        Assert.Equal(NodaTime.Text.LocalDatePattern.Iso.Parse(expected).Value, day);
    }

    [Fact]
    public void Span_OfADstDay_Has23Hours()
    {
        var day = new LocalDate(2030, 3, 31);

        var span = ReportPeriods.Span(day, day, Zurich);

        Assert.Equal(Duration.FromHours(23), span.Duration);
        Assert.Equal(Instant.FromUtc(2030, 3, 30, 23, 0), span.Start);
    }

    [Theory]
    [InlineData("day", "2030-12-30", "2030-12-30")]
    [InlineData("week", "2030-12-30", "2031-W01")] // Monday of ISO week 1 of 2031
    [InlineData("week", "2030-12-29", "2030-W52")]
    [InlineData("month", "2030-12-30", "2030-12")]
    [InlineData("plan", "2030-12-30", "2030-12-01/2030-12-31")]
    public void PeriodOf_LabelsTheDaysPeriod(string grouping, string day, string expected)
    {
        Assert.True(ReportPeriods.TryParse(grouping, out var g));

        var label = ReportPeriods.PeriodOf(NodaTime.Text.LocalDatePattern.Iso.Parse(day).Value, g, new LocalDate(2030, 12, 1), new LocalDate(2030, 12, 31));

        Assert.Equal(expected, label);
    }

    [Theory]
    [InlineData("hour")]
    [InlineData("Day")]
    [InlineData("week;drop")]
    public void TryParse_UnknownGrouping_IsRefused(string text) => Assert.False(ReportPeriods.TryParse(text, out _));

    [Fact]
    public void All_ListsEveryWeekOfTheRangeOnce()
    {
        var weeks = ReportPeriods.All(new LocalDate(2030, 3, 1), new LocalDate(2030, 3, 20), ReportGrouping.Week);

        Assert.Equal(["2030-W09", "2030-W10", "2030-W11", "2030-W12"], weeks);
    }

    [Theory]
    [InlineData(-3, 0)]
    [InlineData(0, 0)]
    [InlineData(4, 0)]
    [InlineData(5, 1)]
    [InlineData(59, 6)]
    [InlineData(60, 7)]
    [InlineData(3599, 17)]
    [InlineData(86400, 18)]
    public void BucketOf_FollowsTheEdges(long seconds, int bucket) => Assert.Equal(bucket, SpeedOfAnswer.BucketOf(seconds));

    [Fact]
    public void Percentile_InterpolatesInsideTheBucketOfTheRank()
    {
        // 10 answers: 8 in [0,5), 2 in [30,45). p90 rank = 9: the first of the two in [30,45) → 30 + (9-8)/2 × 15 = 37.5.
        var counts = new long[SpeedOfAnswer.Edges.Count];
        counts[0] = 8;
        counts[SpeedOfAnswer.BucketOf(40)] = 2;

        Assert.Equal(37.5, SpeedOfAnswer.Percentile(counts, 0.9));
        Assert.Equal(5.0, SpeedOfAnswer.Percentile(counts, 0.8)); // rank 8 is the end of the first bucket
        Assert.Equal(45.0, SpeedOfAnswer.Percentile(counts, 1.0));
    }

    [Fact]
    public void Percentile_WithTheBucketsSeconds_StaysWhereTheAnswersAre()
    {
        // 20 instant answers: without their seconds the p90 reads 4.5 s inside [0,5); with them (sum 0) it is 0.
        var counts = new long[SpeedOfAnswer.Edges.Count];
        var seconds = new long[SpeedOfAnswer.Edges.Count];
        counts[0] = 20;
        Assert.Equal(4.5, SpeedOfAnswer.Percentile(counts, 0.9));
        Assert.Equal(0.0, SpeedOfAnswer.Percentile(counts, 0.9, seconds));

        // 10 answers in [30,45) averaging 33 s: spread over [30,36) rather than [30,45): p90 = 30 + 0.9 × 6 = 35.4.
        counts[0] = 0;
        counts[SpeedOfAnswer.BucketOf(33)] = 10;
        seconds[SpeedOfAnswer.BucketOf(33)] = 330;
        Assert.Equal(35.4, SpeedOfAnswer.Percentile(counts, 0.9, seconds));

        // Answers averaging past the bucket's middle keep the whole bucket: 10 averaging 40 s → 30 + 0.9 × 15 = 43.5.
        seconds[SpeedOfAnswer.BucketOf(33)] = 400;
        Assert.Equal(43.5, SpeedOfAnswer.Percentile(counts, 0.9, seconds));
    }

    [Fact]
    public void Percentile_NothingAnswered_IsNull_AndTheOpenBucketReportsItsLowerEdge()
    {
        var counts = new long[SpeedOfAnswer.Edges.Count];
        Assert.Null(SpeedOfAnswer.Percentile(counts, 0.9));

        counts[^1] = 3;
        Assert.Equal(3600.0, SpeedOfAnswer.Percentile(counts, 0.9));
        Assert.Throws<ArgumentOutOfRangeException>(() => SpeedOfAnswer.Percentile(counts, 0));
    }

    [Fact]
    public void Percentile_IsWithinOneBucketWidthOfTheExactValue()
    {
        var random = new Random(7);
        var answers = Enumerable.Range(0, 1000).Select(_ => (long)random.Next(0, 400)).Order().ToArray();
        var counts = new long[SpeedOfAnswer.Edges.Count];
        foreach (var s in answers) counts[SpeedOfAnswer.BucketOf(s)]++;
        var exact = answers[(int)Math.Ceiling(0.9 * answers.Length) - 1];
        var bucket = SpeedOfAnswer.BucketOf(exact);
        var width = SpeedOfAnswer.Edges[bucket + 1] - SpeedOfAnswer.Edges[bucket];

        var estimate = SpeedOfAnswer.Percentile(counts, 0.9)!.Value;

        Assert.InRange(estimate, exact - width, exact + width);
    }

    private static ServiceTally Tally(long offered, long answered, long within, long soaSeconds, long talk, int soaBucket)
    {
        var t = new ServiceTally { Received = offered, Offered = offered, AnsweredLive = answered, AnsweredWithinTarget = within, SpeedOfAnswerSeconds = soaSeconds,
            TalkSeconds = talk, HandleSeconds = talk + 30 * answered };
        t.SpeedBuckets[soaBucket] = answered;
        return t;
    }

    [Fact]
    public void Fold_ByWeek_AddsDaysPlansAndSeverities_AndDerivesAveragesFromSums()
    {
        var monday = new LocalDate(2030, 3, 4);
        ServiceFact[] facts =
        [
            new(monday, "Premier", 1, Tally(2, 2, 2, 10, 600, 1)),
            new(monday.PlusDays(2), "Standard", 3, Tally(3, 1, 0, 90, 300, 8)),
            new(monday.PlusDays(7), "Standard", 3, Tally(1, 0, 0, 0, 0, 0)),
        ];

        var rows = ServiceReport.Fold("constructor", facts, ReportGrouping.Week, monday, monday.PlusDays(13));

        Assert.Equal(2, rows.Count);
        var first = rows[0];
        Assert.Equal(("2030-W10", 5L, 3L, 2L), (first.Period, first.Offered, first.AnsweredLive, first.AnsweredWithinTarget));
        Assert.Null(first.Plan);
        Assert.Equal(33.3, first.AvgSpeedOfAnswerSeconds); // (10 + 90) / 3
        Assert.Equal(300.0, first.AvgTalkSeconds);
        Assert.Equal(330.0, first.AvgHandleSeconds);
        Assert.Equal(40.0, first.ServiceLevelPercent);
        Assert.Equal(("2030-W11", 1L, 0L), (rows[1].Period, rows[1].Offered, rows[1].AnsweredLive));
        Assert.Null(rows[1].AvgSpeedOfAnswerSeconds);
    }

    [Fact]
    public void Fold_ByPlan_GivesOneRowPerPlanOverTheRange_AndLeavesOutDaysOutsideIt()
    {
        var day = new LocalDate(2030, 3, 4);
        ServiceFact[] facts =
        [
            new(day, "Standard", 1, Tally(1, 1, 1, 3, 60, 0)),
            new(day, "Premier", 2, Tally(1, 1, 1, 3, 60, 0)),
            new(day.PlusDays(1), "Standard", 2, Tally(2, 2, 1, 40, 60, 3)),
            new(day.PlusDays(30), "Standard", 2, Tally(9, 9, 9, 9, 9, 0)),
        ];

        var rows = ServiceReport.Fold("constructor", facts, ReportGrouping.Plan, day, day.PlusDays(6));

        Assert.Equal(["Premier", "Standard"], rows.Select(r => r.Plan));
        Assert.All(rows, r => Assert.Equal("2030-03-04/2030-03-10", r.Period));
        Assert.Equal(3, rows[1].Offered);
        Assert.Null(rows[1].Severity);
        var bySeverity = ServiceReport.Fold("constructor", facts, ReportGrouping.Severity, day, day.PlusDays(6));
        Assert.Equal([1, 2], bySeverity.Select(r => r.Severity!.Value));
        Assert.Equal(3, bySeverity[1].Offered);
    }
}
