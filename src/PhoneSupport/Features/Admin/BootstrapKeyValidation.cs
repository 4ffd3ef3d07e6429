using Microsoft.Extensions.Options;
using PhoneSupport.Configuration;

namespace PhoneSupport.Features.Admin;

/// <summary>
/// Outside Development the bootstrap admin key must be a real secret: at least <see cref="MinLength"/> characters, at least
/// <see cref="MinDistinct"/> distinct characters (a 64-character hex key from <c>openssl rand -hex 32</c> has 16 but may miss a
/// few; a word or a repeated pattern has far fewer), and none of the sample values the repository's docs, deploy files and tests
/// show. A weak key stops the start-up (options validated on start) with an error that names the key, never its value.
/// Development keeps the run command's demo key. No key at all is fine: the bootstrap key is optional.
/// </summary>
public sealed class BootstrapKeyValidation(IHostEnvironment environment) : IValidateOptions<PhoneSupportOptions>
{
    public const int MinLength = 32;
    public const int MinDistinct = 12;

    /// <summary>Sample values written in the repository (deploy/run.sh, compose, README, secret.yaml, tests): never a production key.</summary>
    public static readonly string[] SampleValues =
    [
        "dev-admin-key-change-me",
        "REPLACE_ME",
        "change-me",
        "changeme",
        "bootstrap-admin-key-for-tests-0123456789",
        "rate-limit-admin-key-0123456789abcdef",
        "third-provider-admin-key-0123456789abcdef",
    ];

    public ValidateOptionsResult Validate(string? name, PhoneSupportOptions options) =>
        environment.IsDevelopment() || Weakness(options.BootstrapAdminApiKey) is not { } why
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"PhoneSupport:BootstrapAdminApiKey is {why}. Outside Development set a random key " +
                "(e.g. openssl rand -hex 32) or remove it once real admin keys exist (docs/runbook.md).");

    /// <summary>Why a key is too weak outside Development, or null when it is strong enough (or absent).</summary>
    public static string? Weakness(string? key)
    {
        if (string.IsNullOrWhiteSpace(key)) return null;
        if (SampleValues.Any(s => key.Contains(s, StringComparison.OrdinalIgnoreCase))) return "a sample value from the repository's docs or files";
        if (key.Length < MinLength) return $"shorter than {MinLength} characters";
        if (key.Distinct().Count() < MinDistinct) return $"low in randomness (fewer than {MinDistinct} distinct characters)";
        return null;
    }
}
