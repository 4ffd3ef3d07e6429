using System.Security.Cryptography;
using System.Text;

namespace PhoneSupport.Emulators.Twilio;

/// <summary>
/// Computes <c>X-Twilio-Signature</c> the way Twilio does (research/twilio.md §2.1): the full URL exactly as
/// requested, then for a form POST every parameter name sorted ordinally with its value appended, HMAC-SHA1
/// keyed with the UTF-8 auth token, Base64. Written independently of the service's validator: it is the oracle.
/// </summary>
public sealed class TwilioSigner
{
    /// <summary>The header Twilio puts the signature in.</summary>
    public const string HeaderName = "X-Twilio-Signature";

    private readonly byte[] _key;

    public TwilioSigner(string authToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        _key = Encoding.UTF8.GetBytes(authToken);
    }

    /// <summary>Signature of a form POST to <paramref name="url"/> (pass no parameters for a GET).</summary>
    public string Sign(string url, IEnumerable<KeyValuePair<string, string?>>? parameters = null) =>
        Sign(_key, url, parameters);

    /// <summary>Signature of a form POST made with <paramref name="authToken"/>.</summary>
    public static string Sign(string authToken, string url, IEnumerable<KeyValuePair<string, string?>>? parameters = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        return Sign(Encoding.UTF8.GetBytes(authToken), url, parameters);
    }

    /// <summary>
    /// The exact string that is HMAC'd. A repeated name is appended once per distinct value, values sorted
    /// ordinally (the rule of Twilio's Python/Node/PHP validators, §2.6); a null value counts as empty.
    /// </summary>
    public static string StringToSign(string url, IEnumerable<KeyValuePair<string, string?>>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        var text = new StringBuilder(url);
        if (parameters is null)
        {
            return text.ToString();
        }

        var byName = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var (name, value) in parameters)
        {
            if (!byName.TryGetValue(name, out var values))
            {
                values = new SortedSet<string>(StringComparer.Ordinal);
                byName.Add(name, values);
            }

            values.Add(value ?? "");
        }

        foreach (var (name, values) in byName)
        {
            foreach (var value in values)
            {
                text.Append(name).Append(value);
            }
        }

        return text.ToString();
    }

    private static string Sign(byte[] key, string url, IEnumerable<KeyValuePair<string, string?>>? parameters)
    {
        var message = Encoding.UTF8.GetBytes(StringToSign(url, parameters));
        return Convert.ToBase64String(HMACSHA1.HashData(key, message));
    }
}
