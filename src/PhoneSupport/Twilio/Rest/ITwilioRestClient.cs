namespace PhoneSupport.Twilio.Rest;

/// <summary>
/// The slice of Twilio's REST API (2010-04-01) the service uses, shaped like twilio-csharp's
/// <c>CallResource.Create/Update/Fetch/Read</c> and <c>MessageResource.Create</c> (research/twilio.md §4).
/// </summary>
public interface ITwilioRestClient
{
    /// <summary>
    /// <c>POST Calls.json</c>, paced by <c>Twilio:CallsPerSecond</c>. Retried only when Twilio surely did not take the
    /// request (429/20429, connection refused); after a 5xx or a timeout it throws
    /// <see cref="TwilioCreateOutcomeUnknownException"/> so the caller can look before dialling again.
    /// </summary>
    Task<CallResource> CreateCallAsync(CreateCallOptions options, CancellationToken cancellationToken = default);

    /// <summary><c>POST Calls/{Sid}.json</c>: redirect (<c>Url</c>/<c>Method</c> or <c>Twiml</c>) or end the call.</summary>
    Task<CallResource> UpdateCallAsync(string callSid, UpdateCallOptions options, CancellationToken cancellationToken = default);

    /// <summary><c>GET Calls/{Sid}.json</c>; null when Twilio answers 404.</summary>
    Task<CallResource?> FetchCallAsync(string callSid, CancellationToken cancellationToken = default);

    /// <summary><c>GET Calls.json</c> with filters, following <c>next_page_uri</c> up to <see cref="ListCallsOptions.Limit"/>.</summary>
    Task<IReadOnlyList<CallResource>> ListCallsAsync(ListCallsOptions options, CancellationToken cancellationToken = default);

    /// <summary><c>POST Messages.json</c>; retried under the same rule as a call create.</summary>
    Task<MessageResource> CreateMessageAsync(CreateMessageOptions options, CancellationToken cancellationToken = default);
}
