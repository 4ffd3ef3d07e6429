using System.Globalization;

namespace PhoneSupport.Domain.Policies;

/// <summary>An amount in integer minor units (cents) of a lower-case ISO currency (<c>usd</c>, <c>chf</c>).</summary>
public readonly record struct Money(long Amount, string Currency)
{
    public static Money Zero(string currency) => new(0, currency);

    public static Money operator +(Money a, Money b) => new(a.Amount + Same(a, b).Amount, a.Currency);

    public static Money operator *(Money a, long factor) => new(a.Amount * factor, a.Currency);

    /// <summary>How a caller hears it: "120 dollars", "42 dollars and 50 cents".</summary>
    public string Spoken()
    {
        var sign = Amount < 0 ? "minus " : "";
        var (major, minor) = (Math.Abs(Amount) / 100, Math.Abs(Amount) % 100);
        var (one, many, cent, cents) = Currency switch
        {
            "usd" => ("dollar", "dollars", "cent", "cents"),
            "eur" => ("euro", "euros", "cent", "cents"),
            "chf" => ("franc", "francs", "centime", "centimes"),
            _ => (Currency.ToUpperInvariant(), Currency.ToUpperInvariant(), "hundredth", "hundredths"),
        };
        var text = $"{sign}{major.ToString(CultureInfo.InvariantCulture)} {(major == 1 ? one : many)}";
        return minor == 0 ? text : $"{text} and {minor.ToString(CultureInfo.InvariantCulture)} {(minor == 1 ? cent : cents)}";
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Amount / 100m:0.00} {Currency.ToUpperInvariant()}");

    private static Money Same(Money a, Money b) =>
        a.Currency == b.Currency ? b : throw new InvalidOperationException($"Cannot add {a.Currency} and {b.Currency}.");
}
