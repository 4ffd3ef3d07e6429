using System.Globalization;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Domain.Billing;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Features.Billing;

/// <summary>The invoice line of a charge: when, which window, what was billed and at which rate.</summary>
public static class ChargeDescriptions
{
    private static readonly ZonedDateTimePattern When = ZonedDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd HH':'mm x", null);

    public static string For(BillablePart part, Incident incident, DateTimeZone zone)
    {
        var what = part.Kind switch
        {
            IncidentBilling.BeyondIncluded => "time beyond the included incident",
            IncidentBilling.Purchased => $"phone incident bought ({(int)part.Billed.TotalMinutes} minutes)",
            IncidentBilling.BeyondPurchased => "time beyond the bought phone incident",
            IncidentBilling.Quoted => "quoted phone support",
            _ => "phone support",
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"{Capital(part.Window.Name())} {what}, {When.Format(incident.OpenedAt.InZone(zone))}: {part.Steps} × {(int)(part.Billed.TotalMinutes / Math.Max(1, part.Steps))} min at {part.RatePerHour.Amount / 100m:0.00} {part.RatePerHour.Currency.ToUpperInvariant()}/h (incident {incident.Id})");
    }

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
