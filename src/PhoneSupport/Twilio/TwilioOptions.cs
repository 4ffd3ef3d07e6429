using System.ComponentModel.DataAnnotations;

namespace PhoneSupport.Twilio;

/// <summary>The <c>Twilio</c> configuration section: signature checks and REST calls.</summary>
public sealed class TwilioOptions
{
    public const string Section = "Twilio";

    /// <summary><c>Twilio:AccountSid</c>, <c>AC</c> followed by 32 hex digits.</summary>
    [Required(ErrorMessage = "Twilio:AccountSid is required (the AC… account SID).")]
    [RegularExpression("^AC[0-9a-fA-F]{32}$", ErrorMessage = "Twilio:AccountSid must be 'AC' followed by 32 hex digits.")]
    public string AccountSid { get; set; } = "";

    /// <summary><c>Twilio:AuthToken</c>: the HMAC key of <c>X-Twilio-Signature</c> and the REST password.</summary>
    [Required(ErrorMessage = "Twilio:AuthToken is required (it signs every webhook).")]
    [MinLength(8, ErrorMessage = "Twilio:AuthToken is too short to be a real auth token.")]
    public string AuthToken { get; set; } = "";

    /// <summary>
    /// <c>Twilio:SecondaryAuthToken</c>, only while rotating the auth token (docs/runbook.md): webhooks signed with either
    /// token are accepted, so promoting the secondary token in Twilio's console drops no call. REST calls use <see cref="AuthToken"/>.
    /// </summary>
    public string? SecondaryAuthToken { get; set; }

    /// <summary><c>Twilio:ApiBaseUrl</c>; tests and the demo point it at the emulator.</summary>
    [Required(ErrorMessage = "Twilio:ApiBaseUrl must be an absolute URL.")]
    [Url(ErrorMessage = "Twilio:ApiBaseUrl must be an absolute URL.")]
    public string ApiBaseUrl { get; set; } = "https://api.twilio.com";
}
