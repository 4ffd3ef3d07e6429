namespace PhoneSupport.Features.Console;

/// <summary><c>PhoneSupport:Console</c>.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "PhoneSupport:Console";

    /// <summary>Failed sign-ins in a row that lock a staff user out.</summary>
    public int LockoutFailures { get; set; } = 5;

    /// <summary>How long the lock holds.</summary>
    public TimeSpan LockoutFor { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A signed-in session ends after this long without a request.</summary>
    public TimeSpan SessionIdle { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// Secure cookies (<c>__Host-</c> names, <c>Secure</c>, which also makes antiforgery refuse plain HTTP). Default: on,
    /// except in Development, where the run command's demo serves http://127.0.0.1. Put TLS in front in production.
    /// </summary>
    public bool? SecureCookies { get; set; }

    /// <summary>How often the live board and the technician's queue refresh themselves.</summary>
    public TimeSpan RefreshEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A callback whose SLA clock has less than this left is shown at risk (amber), before the dispatcher's escalation.</summary>
    public TimeSpan AtRiskWithin { get; set; } = TimeSpan.FromMinutes(15);
}
