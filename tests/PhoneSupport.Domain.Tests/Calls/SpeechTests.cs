using System.Collections.Immutable;
using NodaTime;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Domain.Routing;

namespace PhoneSupport.Domain.Tests.Calls;

/// <summary>Durations, targets, due times, money and opening hours as a caller hears them, per language.</summary>
public sealed class SpeechTests
{
    private static readonly LocalDateTime Wednesday2000 = new(2026, 7, 8, 20, 0);

    private static readonly IReadOnlyList<DailyHours> WeekdaysEightToEight =
        [.. new[] { IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday }
            .Select(d => new DailyHours(d, new LocalTime(8, 0), new LocalTime(20, 0)))];

    [Theory]
    [InlineData("de-DE", "night", "Es ist Nacht.")]
    [InlineData("de-DE", "holiday", "Es ist Feiertag.")]
    [InlineData("en-US", "weekend", "Es ist weekend.")]
    public void FilledWindow_IsSpokenInTheCallersLanguage_WhileTheVariableKeepsThePolicyName(string language, string window, string expected)
    {
        var session = CallSession.Start("CA1", "flow", "provider", "+15550100001", "+15550100000", "start", language);
        session = session with { Vars = session.Vars.SetItem("window", window) };
        Assert.Equal(expected, IvrEngine.Fill("Es ist {window}.", session));
        Assert.Equal(window, session.Var("window"));
    }

    [Fact]
    public void StepPrice_NamesThePolicysStep_InEachLanguage()
    {
        var price = new Money(2500, "nzd");
        Assert.EndsWith("per half hour", Speech.English.PerStep(price, Duration.FromMinutes(30)), StringComparison.Ordinal);
        Assert.EndsWith("per 15 minutes", Speech.English.PerStep(price, Duration.FromMinutes(15)), StringComparison.Ordinal);
        Assert.EndsWith("pro halbe Stunde", Speech.German.PerStep(price, Duration.FromMinutes(30)), StringComparison.Ordinal);
        Assert.EndsWith("pro 15 Minuten", Speech.German.PerStep(price, Duration.FromMinutes(15)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(15, "15 Minuten")]
    [InlineData(1, "1 Minute")]
    [InlineData(60, "1 Stunde")]
    [InlineData(120, "2 Stunden")]
    [InlineData(90, "1 Stunde und 30 Minuten")]
    public void German_Durations(int minutes, string expected) =>
        Assert.Equal(expected, Speech.German.Duration(Duration.FromMinutes(minutes)));

    [Theory]
    [InlineData(15, "15 minutes")]
    [InlineData(1, "1 minute")]
    [InlineData(120, "2 hours")]
    [InlineData(90, "1 hour 30 minutes")]
    public void English_Durations_AreAsBefore(int minutes, string expected)
    {
        Assert.Equal(expected, Speech.English.Duration(Duration.FromMinutes(minutes)));
        Assert.Equal(ResponseTarget.Spoken(Duration.FromMinutes(minutes)), Speech.English.Duration(Duration.FromMinutes(minutes)));
    }

    [Fact]
    public void Targets_InBusinessDays()
    {
        Assert.Equal("2 Werktage", Speech.German.Target(ResponseTarget.Days(2)));
        Assert.Equal("1 Werktag", Speech.German.Target(ResponseTarget.Days(1)));
        Assert.Equal("2 business days", Speech.English.Target(ResponseTarget.Days(2)));
        Assert.Equal("15 Minuten", Speech.German.Target(ResponseTarget.Of(Duration.FromMinutes(15))));
    }

    [Fact]
    public void DueTimes_NameTheWeekdayInTheLanguage()
    {
        Assert.Equal("Mittwoch um 20:00 Uhr", Speech.German.DueAt(Wednesday2000));
        Assert.Equal("Wednesday at 20:00", Speech.English.DueAt(Wednesday2000));
        Assert.Equal("Sonntag um 9:05 Uhr", Speech.German.DueAt(new LocalDateTime(2026, 7, 12, 9, 5)));
    }

    [Theory]
    [InlineData(12000, "usd", "120 Dollar", "120 dollars")]
    [InlineData(12000, "chf", "120 Franken", "120 francs")]
    [InlineData(4250, "usd", "42 Dollar und 50 Cent", "42 dollars and 50 cents")]
    [InlineData(4250, "chf", "42 Franken und 50 Rappen", "42 francs and 50 centimes")]
    [InlineData(100, "eur", "1 Euro", "1 euro")]
    public void Money_InEachLanguage(long amount, string currency, string german, string english)
    {
        var money = new Money(amount, currency);
        Assert.Equal(german, Speech.German.Money(money));
        Assert.Equal(english, Speech.English.Money(money));
        Assert.Equal(money.Spoken(), Speech.English.Money(money));
    }

    [Fact]
    public void PricesPerHour_AndPurchaseMenus()
    {
        Assert.Equal("120 Dollar pro Stunde", Speech.German.PerHour(new Money(12000, "usd")));
        Assert.Equal("120 dollars per hour", Speech.English.PerHour(new Money(12000, "usd")));
        Assert.Equal("For 30 minutes at 42 dollars and 50 cents, press 1.", Speech.English.PurchaseMenuItem(new Money(4250, "usd"), 30, 1));
        Assert.Equal("Für 30 Minuten zu 42 Dollar und 50 Cent drücken Sie die 1.", Speech.German.PurchaseMenuItem(new Money(4250, "usd"), 30, 1));
    }

    [Fact]
    public void OpeningHours_InEachLanguage()
    {
        Assert.Equal("Montag bis Freitag, 08:00 bis 20:00 Uhr", Speech.German.Hours(WeekdaysEightToEight));
        Assert.Equal("Monday to Friday, 08:00 to 20:00", Speech.English.Hours(WeekdaysEightToEight));
        var calendar = new CoverageCalendar(DateTimeZoneProviders.Tzdb["Europe/Zurich"], WeekdaysEightToEight, HolidayCalendar.None);
        Assert.Equal(calendar.SpokenHours(), Speech.English.Hours(calendar.WeeklyHours));
    }

    [Theory]
    [InlineData("de-DE", "de")]
    [InlineData("de-CH", "de")]
    [InlineData("de", "de")]
    [InlineData("en-US", "en")]
    public void Find_ByPrimarySubtag(string tag, string code) => Assert.Equal(code, Speech.Find(tag)!.Code);

    [Fact]
    public void Find_AnUnspokenLanguage_IsNull_AndForFallsBackToEnglish()
    {
        Assert.Null(Speech.Find("fr-FR"));
        Assert.Same(Speech.English, Speech.For("fr-FR"));
    }

    [Fact]
    public void Whisper_InGerman_FromTheLanguageNeutralFacts()
    {
        var vars = ImmutableDictionary<string, string>.Empty
            .Add("accountName", "Alpenbank Digital").Add("membership", "Premier").Add("severity", "1").Add("window", "night")
            .Add("decision", "liveRouteWithPrice").Add("rateAmount", "18000").Add("rateCurrency", "chf").Add("targetMinutes", "15")
            // What a German caller heard: the whisper does not repeat it, it speaks the technician's language.
            .Add("price", "180 Franken pro Stunde").Add("target", "15 Minuten");

        Assert.Equal("Supportanruf von Alpenbank Digital, Tarif Premier, Schweregrad 1, Zeitfenster Nacht, abgerechnet mit 180 Franken pro Stunde, " +
            "vom Anrufer angenommen, Reaktionsziel 15 Minuten. Drücken Sie die 1, um anzunehmen, oder eine andere Taste, um abzulehnen.", Whisper.For(vars, Speech.German));
        Assert.Equal("Support call from Alpenbank Digital, Premier plan, severity 1, night window, billed at 180 francs per hour, accepted by the caller, " +
            "response target 15 minutes. Press 1 to accept, or any other key to decline.", Whisper.For(vars, Speech.English));
    }

    [Theory]
    [InlineData(new[] { "de", "en" }, "de-DE", "de")]
    [InlineData(new[] { "en", "de" }, "de-DE", "de")]
    [InlineData(new[] { "en", "de" }, "en-US", "en")]
    [InlineData(new[] { "de", "en" }, "en-US", "en")]
    [InlineData(new[] { "de" }, "en-US", "de")]
    [InlineData(new[] { "fr", "de" }, "en-US", "de")]
    [InlineData(new[] { "fr" }, "de-DE", "en")]
    public void Whisper_Language_IsTheCallersWhenTheTechnicianSpeaksIt_ElseTheirFirstSpoken(string[] technician, string caller, string expected) =>
        Assert.Equal(expected, Whisper.LanguageFor(technician, caller).Code);
}
