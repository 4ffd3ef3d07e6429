using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Identity;
using PhoneSupport.Features.Accounts;

namespace PhoneSupport.Features.Voice;

/// <summary>
/// The one fact <see cref="CallStepReader"/> cannot answer in its batch: a spoken user name without an exact match, matched
/// closely (decision 017: a step that finds a fact missing asks for it; the plan loads the exact match only).
/// </summary>
public sealed class FactsLoader(PhoneSupportDb db)
{
    /// <summary>
    /// Exact normalised match first; else the closest of a small candidate set (same first letter, similar
    /// length) within a few edits, chosen by the pure matcher. The caller always confirms the match.
    /// </summary>
    public async Task<IReadOnlyList<AccountFact>> ByUserNameAsync(FactRequest.AccountsByUserName r, CancellationToken ct)
    {
        var exact = await Accounts(db.Accounts.Where(a => db.AccountUserNames.Any(u => u.AccountId == a.Id && u.Provider == r.Provider && u.Normalized == r.NormalizedName)), ct);
        if (exact.Count > 0 || r.NormalizedName.Length == 0) return exact;
        var first = r.NormalizedName[..1];
        var (min, max) = (r.NormalizedName.Length - 2, r.NormalizedName.Length + 2);
        var candidates = await db.AccountUserNames.AsNoTracking()
            .Where(u => u.Provider == r.Provider && u.Normalized.StartsWith(first) && u.Normalized.Length >= min && u.Normalized.Length <= max)
            .Take(500).Select(u => new { u.AccountId, u.Normalized }).ToListAsync(ct);
        var best = UserNames.BestMatch(r.NormalizedName, candidates.Select(c => ((object)c.AccountId, c.Normalized)));
        return best is Guid id ? await Accounts(db.Accounts.Where(a => a.Id == id), ct) : [];
    }

    private static async Task<IReadOnlyList<AccountFact>> Accounts(IQueryable<Account> accounts, CancellationToken ct)
    {
        // A retired account (active = false) identifies no caller: they hear the non-member path.
        var found = await accounts.AsNoTracking().Where(a => a.Active).OrderBy(a => a.Id).Take(2).ToListAsync(ct);
        return found.Select(a => new AccountFact(a.Id, a.Name, a.Membership, a.AccountNumber, null)).ToList();
    }
}
