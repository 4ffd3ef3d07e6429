using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Identity;
using NodaTime;
using PhoneSupport.Features.Accounts;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Entitlements;
using PhoneSupport.Features.Routing;

namespace PhoneSupport.Features.Voice;

/// <summary>
/// Answers the engine's <see cref="FactRequest"/>s from the database, one query (or one short transaction)
/// each. <paramref name="callStartedAt"/> is when the IVR answered: a call's window is fixed then.
/// Scoped to one webhook: the accounts and contracts it has read are kept, so the entitlement decision and the
/// TAM lookup that follow an identification in the same webhook cost no second round trip.
/// </summary>
public sealed class FactsLoader(
    PhoneSupportDb db, EntitlementService entitlements, AllowanceLedger ledger, IdentificationLockout lockout,
    TechnicianRouter router, CallbackScheduler callbacks, Queue.QueueService queue, Billing.PurchaseService purchases, Messages.MessageService messages, IClock clock)
{
    private readonly Dictionary<Guid, Account> _accounts = [];
    private readonly Dictionary<Guid, Contract> _contracts = [];

    public async Task<object> LoadAsync(FactRequest request, Instant callStartedAt, CancellationToken ct) => request switch
    {
        FactRequest.IdentificationLocked r => await lockout.IsLockedAsync(r.Provider, r.CallerNumber, clock.GetCurrentInstant(), ct),
        FactRequest.Entitlement { Sales: true } r => entitlements.DecideSales(r.Provider, callStartedAt)
            ?? throw new InvalidOperationException($"Provider {r.Provider} has no policy."),
        FactRequest.Entitlement { AccountId: { } accountId } r => await entitlements.DecideAsync(accountId, r.ContractId, r.Severity, false, callStartedAt, ct,
                _accounts.GetValueOrDefault(accountId), r.ContractId is { } c ? _contracts.GetValueOrDefault(c) : null)
            ?? throw new InvalidOperationException($"Account {accountId} has no policy to decide with."),
        FactRequest.ReserveTechnician r => new ReservationFact(await router.ReserveForCallAsync(r, ct,
            r.AccountId is { } a && _accounts.TryGetValue(a, out var known) ? known.TamTechnicianId : null, r.AccountId is { } b && _accounts.ContainsKey(b))),
        FactRequest.ScheduleCallback r => await callbacks.ScheduleAsync(r, ct),
        FactRequest.StoreMessage r => await messages.StoreAsync(r, ct),
        FactRequest.Enqueue r => await queue.EnqueueAsync(r, ct),
        FactRequest.Purchase r => await purchases.BuyOnCallAsync(r, ct),
        FactRequest.ClaimIncluded r => await ledger.ClaimAsync(r.ContractId, r.CallSid, callStartedAt, clock.GetCurrentInstant(), ct),
        FactRequest.AccountByContractNumber r => await ByContractNumberAsync(r.ContractNumber, ct),
        FactRequest.AccountByNumber r => await Accounts(db.Accounts.Where(a => a.Provider == r.Provider && a.AccountNumber == r.AccountNumber), ct),
        FactRequest.AccountsByPhone r => await Accounts(
            db.Accounts.Where(a => db.AccountPhoneNumbers.Any(p => p.AccountId == a.Id && p.Provider == r.Provider && p.PhoneNumber == r.PhoneNumber)), ct),
        FactRequest.AccountsByUserName r => await ByUserNameAsync(r, ct),
        FactRequest.CallPolicy r => entitlements.CallPolicy(r.Provider) ?? throw new InvalidOperationException($"Provider {r.Provider} has no policy."),
        _ => throw new ArgumentOutOfRangeException(nameof(request), request.GetType().Name, "Unknown fact request."),
    };

    /// <summary>
    /// Exact normalised match first; else the closest of a small candidate set (same first letter, similar
    /// length) within a few edits, chosen by the pure matcher. The caller always confirms the match.
    /// </summary>
    private async Task<IReadOnlyList<AccountFact>> ByUserNameAsync(FactRequest.AccountsByUserName r, CancellationToken ct)
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

    private async Task<IReadOnlyList<AccountFact>> ByContractNumberAsync(string contractNumber, CancellationToken ct)
    {
        var found = await (
            from c in db.Contracts.AsNoTracking()
            join a in db.Accounts.AsNoTracking() on c.AccountId equals a.Id
            where c.ContractNumber == contractNumber && a.Active
            select new { Account = a, Contract = c }).ToListAsync(ct);
        foreach (var f in found)
        {
            _accounts[f.Account.Id] = f.Account;
            _contracts[f.Contract.Id] = f.Contract;
        }
        return found.Select(f => new AccountFact(f.Account.Id, f.Account.Name, f.Account.Membership, f.Account.AccountNumber,
            new ContractFact(f.Contract.Id, f.Contract.ContractNumber, f.Contract.StartsOn, f.Contract.EndsOn))).ToList();
    }

    private async Task<IReadOnlyList<AccountFact>> Accounts(IQueryable<Account> accounts, CancellationToken ct)
    {
        // A retired account (active = false) identifies no caller: they hear the non-member path.
        var found = await accounts.AsNoTracking().Where(a => a.Active).OrderBy(a => a.Id).Take(2).ToListAsync(ct);
        foreach (var a in found) _accounts[a.Id] = a;
        return found.Select(a => new AccountFact(a.Id, a.Name, a.Membership, a.AccountNumber, null)).ToList();
    }
}
