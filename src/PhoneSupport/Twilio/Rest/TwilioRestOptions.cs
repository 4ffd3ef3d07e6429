using System.ComponentModel.DataAnnotations;

namespace PhoneSupport.Twilio.Rest;

/// <summary>
/// REST-only settings of the <c>Twilio</c> section (the credentials and <c>ApiBaseUrl</c> stay in <see cref="TwilioOptions"/>).
/// </summary>
public sealed class TwilioRestOptions
{
    public const string Section = TwilioOptions.Section;

    /// <summary><c>Twilio:CallsPerSecond</c>: how fast calls are created (the account's CPS; Twilio's default is 1).</summary>
    [Range(0.01, 1000, ErrorMessage = "Twilio:CallsPerSecond must be between 0.01 and 1000.")]
    public double CallsPerSecond { get; set; } = 1;

    /// <summary><c>Twilio:RequestTimeout</c>: the longest one HTTP attempt may take, body included.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00", ErrorMessage = "Twilio:RequestTimeout must be between 10 ms and 5 minutes.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>Twilio:MaxRetries</c>: retries after the first attempt, when retrying is safe.</summary>
    [Range(0, 10, ErrorMessage = "Twilio:MaxRetries must be between 0 and 10.")]
    public int MaxRetries { get; set; } = 3;

    /// <summary><c>Twilio:RetryBaseDelay</c>: the first backoff; it doubles per retry, with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = "Twilio:RetryBaseDelay must be between 0 and 1 minute.")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary><c>Twilio:RetryMaxDelay</c>: the cap on one backoff (and on a <c>Retry-After</c> Twilio sends).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Twilio:RetryMaxDelay must be between 0 and 5 minutes.")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(8);
}
