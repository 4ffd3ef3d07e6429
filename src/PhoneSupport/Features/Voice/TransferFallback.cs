using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Features.Queue;
using PhoneSupport.Features.Routing;

namespace PhoneSupport.Features.Voice;

/// <summary>Routing's <see cref="ITransferFallback"/>: the flow goes on through <see cref="VoiceHandler"/>; the queue is asked on the same connection.</summary>
internal sealed class TransferFallback(VoiceHandler voice, PhoneSupportDb db) : ITransferFallback
{
    public Task<IResult> ContinueFlowAsync(string callSid, bool replay, CancellationToken ct) => voice.TransferNotTakenAsync(callSid, replay, ct);

    public Task<bool> IsQueuedAsync(string callSid, CancellationToken ct) =>
        db.QueueEntries.AnyAsync(q => q.CallSid == callSid && q.Status == QueueStatus.Waiting, ct);
}
