namespace PhoneSupport.Emulators.Twilio.Rest;

/// <summary>How a <see cref="TwilioEmulator"/> behaves.</summary>
public sealed class TwilioEmulatorOptions
{
    /// <summary>The account whose credentials are accepted (Basic user, and the <c>{AccountSid}</c> in paths).</summary>
    public string AccountSid { get; init; } = "AC" + new string('0', 32);

    /// <summary>The Basic password accepted, and the key that signs the webhooks of driven calls.</summary>
    public required string AuthToken { get; init; }

    /// <summary>Creates closer together than 1/CPS answer 429/20429; null (the default) accepts any rate.</summary>
    public double? CallsPerSecond { get; init; }

    /// <summary>Clock for <c>date_created</c>, request stamps, the CPS check and the start of driven calls.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>True: every created call is played as soon as its 201 is sent; false: only on <see cref="TwilioEmulator.RunCallAsync"/>.</summary>
    public bool DriveOutboundCalls { get; init; }

    /// <summary>The port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Any number not given its own <see cref="CalledParty"/> answers like this.</summary>
    public CalledParty DefaultParty { get; init; } = new();

    /// <summary>How long a webhook of a driven call may take (Twilio: 15 s).</summary>
    public TimeSpan WebhookTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Loop guard: the most TwiML requests one driven call may make.</summary>
    public int MaxRequestsPerCall { get; init; } = 200;

    /// <summary>How outbound-call webhooks reach the service; default real sockets. Tests pass an in-memory test server's handler.</summary>
    public Func<HttpMessageHandler>? WebhookHandler { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(AuthToken);
        ArgumentException.ThrowIfNullOrEmpty(AccountSid);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(DefaultParty);
        if (CallsPerSecond is { } cps && (!double.IsFinite(cps) || cps <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(CallsPerSecond), cps, "Calls per second must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestsPerCall, 1);
    }
}
