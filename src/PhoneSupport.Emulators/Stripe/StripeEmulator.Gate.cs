using System.Security.Cryptography;
using System.Text;

namespace PhoneSupport.Emulators.Stripe;

/// <summary>What runs before an endpoint: the API key check and the idempotency layer (research/stripe.md §2.3).</summary>
public sealed partial class StripeEmulator
{
    /// <summary>Null to go ahead (the key is now held); else the answer for a reused key.</summary>
    private Answer? Reserve(string key, string fingerprint, StripeEmulatorRequest request)
    {
        lock (_gate)
        {
            if (!_idempotency.TryGetValue(key, out var saved))
            {
                _idempotency[key] = new SavedAnswer(fingerprint, null);
                return null;
            }

            if (saved.Fingerprint != fingerprint)
            {
                return Error(new StripeEmulatorError(400, "idempotency_error",
                    $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."), request);
            }

            return saved.Answer is { } answer
                ? answer with { Replayed = true }
                : Error(new StripeEmulatorError(409, "idempotency_error",
                    "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.")
                    { ShouldRetry = true }, request);
        }
    }

    /// <summary>Answers that began execution are saved (successes and declines); refused ones free the key for a retry.</summary>
    private void Settle(string key, Answer answer)
    {
        lock (_gate)
        {
            if (answer.Status is >= 200 and < 300 or 402)
            {
                _idempotency[key] = _idempotency[key] with { Answer = answer };
            }
            else
            {
                _idempotency.Remove(key);
            }
        }
    }

    private StripeEmulatorError? Unauthorized(string? authorization)
    {
        var key = authorization switch
        {
            { } bearer when bearer.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) => bearer[7..].Trim(),
            { } basic when basic.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) => BasicUser(basic[6..].Trim()),
            _ => null,
        };
        if (string.IsNullOrEmpty(key))
        {
            return new StripeEmulatorError(401, "invalid_request_error",
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(_options.SecretKey))
            ? null
            : new StripeEmulatorError(401, "invalid_request_error",
                $"Invalid API Key provided: {(key.Length > 12 ? key[..8] + new string('*', key.Length - 12) + key[^4..] : "****")}");
    }

    private static string? BasicUser(string encoded)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? text : text[..colon];
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
