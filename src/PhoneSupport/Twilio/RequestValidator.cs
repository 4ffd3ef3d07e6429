using System.Security.Cryptography;
using System.Text;

namespace PhoneSupport.Twilio;

/// <summary>
/// Checks <c>X-Twilio-Signature</c>: Base64(HMAC-SHA1(key: auth token, message: URL + sorted form parameters)).
/// The URL is used exactly as given (no normalisation); if it does not match, the port variant is tried once
/// (explicit port removed, or the scheme's default port added). Never throws for a bad or missing signature.
/// Thread-safe.
/// </summary>
public sealed class RequestValidator(string authToken)
{
    private const string BodyHashParameter = "bodySHA256";

    private readonly byte[] key = string.IsNullOrEmpty(authToken)
        ? throw new ArgumentException("The Twilio auth token is required.", nameof(authToken))
        : Encoding.UTF8.GetBytes(authToken);

    /// <summary>Validates a form-encoded (or GET / empty) request; pass no parameters for GET.</summary>
    public bool Validate(string url, IEnumerable<KeyValuePair<string, string?>> parameters, string? expectedSignature)
    {
        if (string.IsNullOrEmpty(url) || string.IsNullOrEmpty(expectedSignature))
        {
            return false;
        }

        var suffix = ParameterString(parameters ?? []);
        if (Matches(url + suffix, expectedSignature))
        {
            return true;
        }

        return GetPortVariant(url) is { } variant && Matches(variant + suffix, expectedSignature);
    }

    /// <summary>
    /// Validates a JSON-body request: the URL must carry <c>bodySHA256</c> equal to the lowercase hex SHA-256
    /// of <paramref name="body"/>, and the signature is computed over the URL alone.
    /// </summary>
    public bool Validate(string url, string body, string? expectedSignature)
    {
        if (string.IsNullOrEmpty(url) || body is null || string.IsNullOrEmpty(expectedSignature))
        {
            return false;
        }

        return GetQueryValue(url, BodyHashParameter) is { } bodyHash
            && ValidateBody(body, bodyHash)
            && Validate(url, [], expectedSignature);
    }

    /// <summary>True when <paramref name="expectedHexSha256"/> is the lowercase hex SHA-256 of the UTF-8 body.</summary>
    public static bool ValidateBody(string body, string expectedHexSha256)
    {
        if (body is null || string.IsNullOrEmpty(expectedHexSha256))
        {
            return false;
        }

        var actual = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(actual), Encoding.UTF8.GetBytes(expectedHexSha256));
    }

    /// <summary>The signature Twilio would send for <paramref name="url"/> (as given) and these parameters.</summary>
    public string ComputeSignature(string url, IEnumerable<KeyValuePair<string, string?>> parameters)
    {
        ArgumentNullException.ThrowIfNull(url);
        return Sign(url + ParameterString(parameters ?? []));
    }

    /// <summary>
    /// Parameters sorted by name (ordinal, case-sensitive), appended as name + value. A repeated name
    /// contributes each distinct value once, values sorted ordinally (the Python/Node rule); null is "".
    /// </summary>
    internal static string ParameterString(IEnumerable<KeyValuePair<string, string?>> parameters)
    {
        var builder = new StringBuilder();
        var groups = parameters
            .GroupBy(p => p.Key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var values = group
                .Select(p => p.Value ?? "")
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal);
            foreach (var value in values)
            {
                builder.Append(group.Key).Append(value);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The other form of <paramref name="url"/>: with an explicit port → without it; without one → with
    /// <c>:443</c> (https) or <c>:80</c> (http) added. Everything else is kept byte for byte.
    /// Null when the URL has no authority, an unknown scheme and no port, or a malformed port.
    /// </summary>
    internal static string? GetPortVariant(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return null;
        }

        var scheme = url[..schemeEnd];
        var authorityStart = schemeEnd + 3;
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0)
        {
            authorityEnd = url.Length;
        }

        var hostStart = url.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart) + 1;
        if (hostStart == 0)
        {
            hostStart = authorityStart;
        }

        var hostPort = url[hostStart..authorityEnd];
        var closingBracket = hostPort.LastIndexOf(']');
        var colon = hostPort.LastIndexOf(':');
        if (colon > closingBracket)
        {
            var port = hostPort[(colon + 1)..];
            if (!port.All(char.IsAsciiDigit))
            {
                return null;
            }

            return string.Concat(url.AsSpan(0, hostStart + colon), url.AsSpan(authorityEnd));
        }

        var defaultPort = scheme.ToUpperInvariant() switch
        {
            "HTTPS" => ":443",
            "HTTP" => ":80",
            _ => null,
        };
        return defaultPort is null || hostPort.Length == 0
            ? null
            : string.Concat(url.AsSpan(0, authorityEnd), defaultPort, url.AsSpan(authorityEnd));
    }

    /// <summary>The raw (undecoded) value of the first <paramref name="name"/> in the query, or null.</summary>
    internal static string? GetQueryValue(string url, string name)
    {
        var queryStart = url.IndexOf('?', StringComparison.Ordinal);
        if (queryStart < 0)
        {
            return null;
        }

        var fragment = url.IndexOf('#', queryStart);
        var query = fragment < 0 ? url[(queryStart + 1)..] : url[(queryStart + 1)..fragment];
        foreach (var pair in query.Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0 && string.Equals(pair[..equals], name, StringComparison.Ordinal))
            {
                return pair[(equals + 1)..];
            }
        }

        return null;
    }

    private bool Matches(string message, string expectedSignature) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Sign(message)), Encoding.UTF8.GetBytes(expectedSignature));

    private string Sign(string message) =>
        Convert.ToBase64String(HMACSHA1.HashData(key, Encoding.UTF8.GetBytes(message)));
}
