namespace PhoneSupport.Twilio.Rest;

/// <summary>
/// What one attempt of <see cref="TwilioRestClient"/> hands down to <see cref="TwilioWireHandler"/> (through an
/// <see cref="AsyncLocal{T}"/>, since the library's resource methods take no <see cref="CancellationToken"/>) and what the
/// handler saw on the wire: the HTTP status and Twilio's <c>Retry-After</c>, which the library does not expose.
/// </summary>
internal sealed class TwilioAttempt(CancellationToken cancellationToken)
{
    private static readonly AsyncLocal<TwilioAttempt?> CurrentAttempt = new();

    /// <summary>The attempt running on this async flow, if any.</summary>
    public static TwilioAttempt? Current
    {
        get => CurrentAttempt.Value;
        set => CurrentAttempt.Value = value;
    }

    /// <summary>The caller's token linked with the attempt's timeout.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>The last HTTP status answered in this attempt (0: none).</summary>
    public int Status { get; set; }

    public TimeSpan? RetryAfter { get; set; }

    public DateTimeOffset? RetryAt { get; set; }
}

/// <summary>
/// The library builds <c>https://api.twilio.com/…</c> URLs and has no base-URL option, so this handler, in the pipeline of the
/// <see cref="HttpClient"/> handed to the library as <c>new SystemNetHttpClient(http)</c>, sends every <c>*.twilio.com</c>
/// request to <c>Twilio:ApiBaseUrl</c> (the emulator in development and tests; Twilio itself in production), under the
/// current <see cref="TwilioAttempt"/>'s token (the library passes none), and notes the status and <c>Retry-After</c>.
/// </summary>
public sealed class TwilioWireHandler : DelegatingHandler
{
    private readonly Uri _apiBase;

    public TwilioWireHandler(Uri apiBase)
    {
        ArgumentNullException.ThrowIfNull(apiBase);
        if (!apiBase.IsAbsoluteUri)
        {
            throw new ArgumentException("Twilio:ApiBaseUrl must be an absolute URL.", nameof(apiBase));
        }

        _apiBase = apiBase;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.RequestUri = Rewrite(request.RequestUri!, _apiBase);
        var attempt = TwilioAttempt.Current;
        using var linked = attempt is null
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attempt.CancellationToken);
        var response = await base.SendAsync(request, linked.Token).ConfigureAwait(false);
        if (attempt is not null)
        {
            attempt.Status = (int)response.StatusCode;
            attempt.RetryAfter = response.Headers.RetryAfter?.Delta;
            attempt.RetryAt = response.Headers.RetryAfter?.Date;
        }

        // The library reads the body without a token: read it here, under the attempt's timeout.
        await response.Content.LoadIntoBufferAsync(linked.Token).ConfigureAwait(false);
        return response;
    }

    /// <summary><c>https://api.twilio.com/2010-04-01/…</c> → <c>{ApiBaseUrl}/2010-04-01/…</c>; other hosts unchanged.</summary>
    internal static Uri Rewrite(Uri url, Uri apiBase)
    {
        if (!url.IsAbsoluteUri
            || !(url.Host.Equals("twilio.com", StringComparison.OrdinalIgnoreCase)
                || url.Host.EndsWith(".twilio.com", StringComparison.OrdinalIgnoreCase)))
        {
            return url;
        }

        return new Uri(apiBase.GetLeftPart(UriPartial.Authority) + apiBase.AbsolutePath.TrimEnd('/') + url.PathAndQuery);
    }
}
