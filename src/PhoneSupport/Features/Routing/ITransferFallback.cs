namespace PhoneSupport.Features.Routing;

/// <summary>
/// Where a caller goes when a transfer was not taken and the first technician cannot take them back: on in their IVR flow, which
/// Voice runs (<c>Voice.TransferFallback</c> implements this), so Routing does not depend on the feature that uses it. Called inside
/// the transfer's transaction, on the request's own <c>PhoneSupportDb</c>.
/// </summary>
public interface ITransferFallback
{
    /// <summary>The caller's flow goes on as if no technician were free (the queue keeps its place, or the route's unavailable exit).</summary>
    Task<IResult> ContinueFlowAsync(string callSid, bool replay, CancellationToken ct);

    /// <summary>Whether the caller now waits in the queue (else they took the unavailable exit).</summary>
    Task<bool> IsQueuedAsync(string callSid, CancellationToken ct);
}
