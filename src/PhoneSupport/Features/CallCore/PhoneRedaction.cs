namespace PhoneSupport.Features.CallCore;

/// <summary>Phone numbers never reach the logs whole: <c>+17038803095</c> is logged as <c>+1*******095</c>.</summary>
public static class PhoneRedaction
{
    public static string Redact(string? number) => number switch
    {
        null or "" => "(none)",
        { Length: <= 5 } => new string('*', number.Length),
        _ => number[..2] + new string('*', number.Length - 5) + number[^3..],
    };
}
