using System.Collections.Immutable;

namespace PhoneSupport.Domain.Routing;

/// <summary>
/// What a technician hears before taking a forwarded call: who is calling, on what contract or plan, how
/// severe, in which window, and whether it uses an included incident or carries a price.
/// </summary>
public static class Whisper
{
    public static string For(ImmutableDictionary<string, string> vars)
    {
        var parts = new List<string> { $"Support call from {vars.GetValueOrDefault("accountName") ?? "an unidentified caller"}" };
        if (vars.GetValueOrDefault("contractNumber") is { } contract) parts.Add($"contract {string.Join(' ', contract.ToCharArray())}");
        else if (vars.GetValueOrDefault("membership") is { } membership) parts.Add($"{membership} plan");
        if (vars.GetValueOrDefault("severity") is { } severity) parts.Add($"severity {severity}");
        if (vars.GetValueOrDefault("window") is { } window) parts.Add($"{window} window");
        switch (vars.GetValueOrDefault("decision"))
        {
            case "liveRouteUsingIncluded":
                parts.Add($"uses an included incident, up to {vars.GetValueOrDefault("includedTalk") ?? "the included time"}, then {vars.GetValueOrDefault("price")}");
                break;
            case "liveRouteWithPrice":
                parts.Add($"billed at {vars.GetValueOrDefault("price")}, accepted by the caller");
                break;
        }
        if (vars.GetValueOrDefault("target") is { } target) parts.Add($"response target {target}");
        return string.Join(", ", parts) + ". Press 1 to accept, or any other key to decline.";
    }
}
