using System.ComponentModel.DataAnnotations;

namespace PhoneSupport.Configuration;

/// <summary>The <c>PhoneSupport</c> configuration section (see README, "Configuration").</summary>
public sealed class PhoneSupportOptions
{
    public const string Section = "PhoneSupport";

    /// <summary>
    /// <c>PhoneSupport:PublicBaseUrl</c>: the scheme, host and optional port Twilio and Stripe use to reach us.
    /// Signature checks rebuild the URL Twilio signed from this plus the raw request target, so the
    /// service validates correctly behind a proxy or tunnel without trusting forwarded headers.
    /// </summary>
    [Required(ErrorMessage = "PhoneSupport:PublicBaseUrl is required (the base URL Twilio uses to reach this service).")]
    [Url(ErrorMessage = "PhoneSupport:PublicBaseUrl must be an absolute http(s) URL.")]
    public string PublicBaseUrl { get; set; } = "";

    /// <summary><c>PhoneSupport:FlowsPath</c>; default: the <c>ivr-flows</c> folder next to the service.</summary>
    public string? FlowsPath { get; set; }

    /// <summary><c>PhoneSupport:BootstrapAdminApiKey</c>: an admin key accepted from start-up.</summary>
    public string? BootstrapAdminApiKey { get; set; }

    /// <summary>The public base URL without a trailing slash.</summary>
    public string BaseUrl => PublicBaseUrl.TrimEnd('/');
}

public static class PhoneSupportOptionsExtensions
{
    /// <summary>Where the flows are: <c>PhoneSupport:FlowsPath</c>, else <c>ivr-flows</c> next to the service.</summary>
    public static string FlowsDirectory(this PhoneSupportOptions options) =>
        string.IsNullOrWhiteSpace(options.FlowsPath) ? Path.Combine(AppContext.BaseDirectory, "ivr-flows") : Path.GetFullPath(options.FlowsPath);
}
