using Microsoft.EntityFrameworkCore;
using NodaTime;
using Npgsql;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Accounts;

namespace PhoneSupport.Features.Entitlements;

/// <summary>
/// Included incidents per contract per contract year: claimed at the caller's consent (the IVR step's
/// <c>ClaimIncluded</c> effect, which locks the contract row for its transaction — Voice/CallStepWriter —, so parallel
/// calls on any number of instances are serialised per contract and can never be promised more than the included
/// count), released when no technician was ever connected, committed when the incident closes.
/// </summary>
public sealed class AllowanceLedger(PhoneSupportDb db, PolicyCatalog policies)
{
    public async Task<AllowanceSnapshot?> SnapshotAsync(Contract contract, string provider, Instant at, CancellationToken ct)
    {
        if (Terms(provider) is not { } terms) return null;
        var zone = policies.For(provider)!.Coverage.Zone;
        var (start, end, _) = ContractYear.For(contract.StartsOn, at, zone);
        var counts = await db.AllowanceUses.AsNoTracking()
            .Where(u => u.ContractId == contract.Id && u.ContractYearStart == start && u.Status != AllowanceStatus.Released)
            .GroupBy(u => u.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(ct);
        return new AllowanceSnapshot(start, end, terms.IncludedIncidents,
            counts.Where(c => c.Status == AllowanceStatus.Committed).Sum(c => c.Count),
            counts.Where(c => c.Status == AllowanceStatus.Claimed).Sum(c => c.Count));
    }

    /// <summary>
    /// Claims one included incident of the contract year containing <paramref name="at"/> for a call, with the statements the
    /// IVR step uses (<see cref="ClaimCommands"/>), in one batch. Idempotent per call: a call that already holds a claim gets
    /// true again without a second one.
    /// </summary>
    public async Task<bool> ClaimAsync(Guid contractId, string callSid, Instant at, Instant now, CancellationToken ct)
    {
        var contract = await db.Contracts.AsNoTracking().SingleAsync(c => c.Id == contractId, ct);
        var provider = await db.Accounts.Where(a => a.Id == contract.AccountId).Select(a => a.Provider).SingleAsync(ct);
        if (await db.AllowanceUses.AnyAsync(u => u.CallSid == callSid && u.Status != AllowanceStatus.Released, ct)) return true;
        if (await SnapshotAsync(contract, provider, at, ct) is not { Remaining: > 0 } snapshot) return false;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection());
            foreach (var command in ClaimCommands(new Effect.ClaimIncluded(contractId, snapshot.ContractYearStart, new CallSid(callSid), snapshot.Included), now))
                batch.BatchCommands.Add(command);
            await batch.ExecuteNonQueryAsync(ct); // one implicit transaction
            return true;
        }
        catch (PostgresException e) when (e.SqlState == "PS409")
        {
            return false; // a parallel call took the last one
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// The claim as statements for a batch: the contract's row locked (parallel calls on any instance are serialised per
    /// contract, and the count after it sees every claim committed before), then the claim inserted while fewer than the included
    /// count are used or claimed this contract year — unless the call holds one already. Neither: <c>ps_expect</c> fails the batch.
    /// </summary>
    public static IEnumerable<NpgsqlBatchCommand> ClaimCommands(Effect.ClaimIncluded claim, Instant now)
    {
        var lockRow = new NpgsqlBatchCommand("select 1 from contracts where id = $1 for update");
        lockRow.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = claim.ContractId });
        yield return lockRow;
        var insert = new NpgsqlBatchCommand("""
            with live as (select 1 from allowance_uses where call_sid = $3 and status <> 'released'),
            ins as (
                insert into allowance_uses (id, contract_id, contract_year_start, call_sid, status, claimed_at)
                select $1, $2, $4, $3, 'claimed', $5
                 where not exists (select 1 from live)
                   and (select count(*) from allowance_uses where contract_id = $2 and contract_year_start = $4 and status <> 'released') < $6
                returning 1)
            select ps_expect(exists (select 1 from ins) or exists (select 1 from live), 'an included incident left')
            """);
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() });
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = claim.ContractId });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.Call.Value });
        insert.Parameters.Add(new NpgsqlParameter<Instant> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, TypedValue = claim.ContractYearStart });
        insert.Parameters.Add(new NpgsqlParameter<Instant> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, TypedValue = now });
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = claim.Included });
        yield return insert;
    }

    /// <summary>The call was attached to an earlier incident: its own incident is merged away, so it uses no included incident.</summary>
    public Task<int> ReleaseForMergeAsync(string callSid, Instant now, CancellationToken ct) =>
        db.AllowanceUses.Where(u => u.CallSid == callSid && u.Status != AllowanceStatus.Released)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.Status, AllowanceStatus.Released).SetProperty(x => x.ReleasedAt, now), ct);

    private ContractTerms? Terms(string provider) =>
        policies.For(provider)?.Plans.Values.Select(p => p.Contract).FirstOrDefault(c => c is not null);
}
