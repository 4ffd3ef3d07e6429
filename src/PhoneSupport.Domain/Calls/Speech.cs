using System.Globalization;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Domain.Calls;

/// <summary>
/// How a caller (or a technician) hears durations, response targets, dates and times, money and opening hours in
/// one language. English and German; <see cref="Find"/> answers null for any other language (the flow validator
/// refuses a flow declaring one), <see cref="For"/> falls back to English.
/// </summary>
public abstract class Speech
{
    public static readonly Speech English = new EnglishSpeech();
    public static readonly Speech German = new GermanSpeech();

    /// <summary>The primary language subtags spoken: <c>en</c>, <c>de</c>.</summary>
    public static IReadOnlyList<string> Supported { get; } = ["en", "de"];

    /// <summary>The speech of a language tag (<c>de-DE</c>, <c>de</c>, <c>en-US</c>), or null when it is not spoken.</summary>
    public static Speech? Find(string? language) => Primary(language) switch
    {
        "en" => English,
        "de" => German,
        _ => null,
    };

    public static Speech For(string? language) => Find(language) ?? English;

    /// <summary>The primary subtag of a BCP-47 tag, lower case: <c>de-CH</c> → <c>de</c>.</summary>
    public static string Primary(string? language) =>
        (language ?? "").Split('-', 2)[0].ToLowerInvariant();

    /// <summary>The primary subtag: <c>en</c>, <c>de</c>.</summary>
    public abstract string Code { get; }

    /// <summary>"15 minutes", "1 hour 30 minutes" / "15 Minuten", "1 Stunde und 30 Minuten".</summary>
    public abstract string Duration(Duration duration);

    /// <summary>A response target: a duration, or whole business days.</summary>
    public abstract string Target(ResponseTarget target);

    /// <summary>A due time in the policy's zone: "Wednesday at 20:00" / "Mittwoch um 20:00 Uhr".</summary>
    public abstract string DueAt(LocalDateTime local);

    /// <summary>"120 dollars", "42 dollars and 50 cents" / "120 Dollar", "42 Dollar und 50 Cent".</summary>
    public abstract string Money(Money money);

    public abstract string PerHour(Money money);

    public abstract string PerHalfHour(Money money);

    /// <summary>Opening hours: "Monday to Friday, 08:00 to 20:00" / "Montag bis Freitag, 08:00 bis 20:00 Uhr".</summary>
    public abstract string Hours(IReadOnlyList<DailyHours> hours);

    /// <summary>"42 dollars and 50 cents for 30 minutes".</summary>
    public abstract string PurchaseOption(Money price, int minutes);

    /// <summary>Joins purchase options: ", or " / ", oder ".</summary>
    public abstract string Or { get; }

    /// <summary>A price per billing step: "42 dollars and 50 cents per half hour" / "… per 15 minutes".</summary>
    public string PerStep(Money money, Duration step) => step == NodaTime.Duration.FromMinutes(30) ? PerHalfHour(money) : PerDuration(money, step);

    /// <summary>A price per billing step other than the half hour.</summary>
    protected abstract string PerDuration(Money money, Duration step);

    /// <summary>"For 30 minutes at 42 dollars and 50 cents, press 1.".</summary>
    public abstract string PurchaseMenuItem(Money price, int minutes, int key);

    /// <summary>A support window's name: "night" / "Nacht".</summary>
    public abstract string Window(Window window);

    protected static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class EnglishSpeech : Speech
    {
        private static readonly LocalDateTimePattern Due = LocalDateTimePattern.CreateWithInvariantCulture("dddd 'at' H:mm");

        public override string Code => "en";
        public override string Or => ", or ";
        public override string Duration(Duration duration) => ResponseTarget.Spoken(duration);
        public override string Target(ResponseTarget target) => target.ToString();
        public override string DueAt(LocalDateTime local) => Due.Format(local);
        public override string Money(Money money) => money.Spoken();
        public override string PerHour(Money money) => $"{money.Spoken()} per hour";
        public override string PerHalfHour(Money money) => $"{money.Spoken()} per half hour";
        protected override string PerDuration(Money money, Duration step) => $"{money.Spoken()} per {Duration(step)}";
        public override string PurchaseOption(Money price, int minutes) => $"{price.Spoken()} for {Number(minutes)} minutes";
        public override string PurchaseMenuItem(Money price, int minutes, int key) => $"For {Number(minutes)} minutes at {price.Spoken()}, press {Number(key)}.";
        public override string Window(Window window) => window.Name();

        public override string Hours(IReadOnlyList<DailyHours> hours)
        {
            if (hours.Count == 0) return "no staffed hours";
            var first = hours[0];
            var same = hours.All(d => d.Opens == first.Opens && d.Closes == first.Closes);
            var range = same && hours.Count > 1 ? $"{hours[0].Day} to {hours[^1].Day}" : string.Join(", ", hours.Select(d => d.Day));
            return $"{range}, {first.Opens:HH':'mm} to {first.Closes:HH':'mm}";
        }
    }

    private sealed class GermanSpeech : Speech
    {
        private static readonly CultureInfo Culture = CultureInfo.GetCultureInfo("de-DE");
        private static readonly LocalDateTimePattern Due = LocalDateTimePattern.Create("dddd 'um' H:mm 'Uhr'", Culture);
        private static readonly LocalTimePattern Clock = LocalTimePattern.Create("HH:mm", Culture);

        public override string Code => "de";
        public override string Or => ", oder ";
        public override string DueAt(LocalDateTime local) => Due.Format(local);
        public override string PerHour(Money money) => $"{Money(money)} pro Stunde";
        public override string PerHalfHour(Money money) => $"{Money(money)} pro halbe Stunde";
        protected override string PerDuration(Money money, Duration step) => $"{Money(money)} pro {Duration(step)}";
        public override string PurchaseOption(Money price, int minutes) => $"{Money(price)} für {Number(minutes)} Minuten";
        public override string PurchaseMenuItem(Money price, int minutes, int key) => $"Für {Number(minutes)} Minuten zu {Money(price)} drücken Sie die {Number(key)}.";

        public override string Window(Window window) => window switch
        {
            Policies.Window.Business => "Geschäftszeit",
            Policies.Window.Night => "Nacht",
            Policies.Window.Weekend => "Wochenende",
            _ => "Feiertag",
        };

        public override string Duration(Duration duration)
        {
            var hours = (int)duration.TotalHours;
            var minutes = duration.Minutes;
            var h = hours == 0 ? "" : $"{Number(hours)} {(hours == 1 ? "Stunde" : "Stunden")}";
            var m = minutes == 0 ? "" : $"{Number(minutes)} {(minutes == 1 ? "Minute" : "Minuten")}";
            return string.Join(" und ", new[] { h, m }.Where(s => s.Length > 0)) is { Length: > 0 } text ? text : "0 Minuten";
        }

        public override string Target(ResponseTarget target) =>
            target.BusinessDays > 0 ? $"{Number(target.BusinessDays)} {(target.BusinessDays == 1 ? "Werktag" : "Werktage")}" : Duration(target.Duration);

        public override string Money(Money money)
        {
            var sign = money.Amount < 0 ? "minus " : "";
            var (major, minor) = (Math.Abs(money.Amount) / 100, Math.Abs(money.Amount) % 100);
            var (unit, cent) = money.Currency switch
            {
                "usd" => ("Dollar", "Cent"),
                "eur" => ("Euro", "Cent"),
                "chf" => ("Franken", "Rappen"),
                _ => (money.Currency.ToUpperInvariant(), "Hundertstel"),
            };
            var text = $"{sign}{Number(major)} {unit}";
            return minor == 0 ? text : $"{text} und {Number(minor)} {cent}";
        }

        public override string Hours(IReadOnlyList<DailyHours> hours)
        {
            if (hours.Count == 0) return "zu keiner Zeit";
            var first = hours[0];
            var same = hours.All(d => d.Opens == first.Opens && d.Closes == first.Closes);
            var range = same && hours.Count > 1 ? $"{Day(hours[0].Day)} bis {Day(hours[^1].Day)}" : string.Join(", ", hours.Select(d => Day(d.Day)));
            return $"{range}, {Clock.Format(first.Opens)} bis {Clock.Format(first.Closes)} Uhr";
        }

        private static string Day(IsoDayOfWeek day) => Culture.DateTimeFormat.GetDayName(day == IsoDayOfWeek.Sunday ? DayOfWeek.Sunday : (DayOfWeek)(int)day);
    }
}
