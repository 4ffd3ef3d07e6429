namespace PhoneSupport.Domain.Policies;

/// <summary>
/// The support window of an instant. <see cref="Holiday"/> (a date on the policy's calendar, observed) takes
/// precedence, then <see cref="Weekend"/> (Saturday, Sunday), then <see cref="Business"/> (inside coverage
/// hours) or <see cref="Night"/> (a business day outside them). Starts inclusive, ends exclusive.
/// </summary>
public enum Window { Business, Night, Weekend, Holiday }

public static class Windows
{
    public static string Name(this Window window) => window switch
    {
        Window.Business => "business",
        Window.Night => "night",
        Window.Weekend => "weekend",
        _ => "holiday",
    };

    public static bool TryParse(string text, out Window window)
    {
        switch (text)
        {
            case "business": window = Window.Business; return true;
            case "night": window = Window.Night; return true;
            case "weekend": window = Window.Weekend; return true;
            case "holiday": window = Window.Holiday; return true;
            default: window = default; return false;
        }
    }
}
