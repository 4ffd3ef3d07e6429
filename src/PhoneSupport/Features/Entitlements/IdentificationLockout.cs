using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;

namespace PhoneSupport.Features.Entitlements;

/// <summary>
/// The caller-number lockout of PRODUCT.md, kept in PostgreSQL so every instance sees it: the policy's
/// number of failed identifications within its window locks the number out for its duration (counted
/// from the failure that reached the limit).
/// </summary>
public sealed class IdentificationLockout(PhoneSupportDb db, PolicyCatalog policies)
{
    public async Task<bool> IsLockedAsync(string provider, string callerNumber, Instant now, CancellationToken ct)
    {
        if (policies.For(provider)?.Identification is not { } rules || string.IsNullOrEmpty(callerNumber)) return false;
        var since = rules.Reach(now);
        var failures = await db.IdentificationFailures.AsNoTracking()
            .Where(f => f.Provider == provider && f.CallerNumber == callerNumber && f.At > since)
            .OrderBy(f => f.At).Select(f => f.At).ToListAsync(ct);
        return rules.IsLocked(failures, now);
    }

    public void Record(string provider, string callerNumber, string callSid, Instant now) =>
        db.IdentificationFailures.Add(new IdentificationFailure(provider, callerNumber, callSid, now));
}
