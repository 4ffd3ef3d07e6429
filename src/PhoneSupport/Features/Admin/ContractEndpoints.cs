using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Accounts;
using PhoneSupport.Features.Entitlements;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

public static class ContractEndpoints
{
    public static RouteGroupBuilder MapContracts(this RouteGroupBuilder api)
    {
        api.MapPost("/contracts", (HttpRequest request, ContractsHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<CreateContractRequest, Created<ContractResource>>(request, body => handler.CreateAsync(body, ct), ct))
            .JsonBody<CreateContractRequest>().RequireAuthorization(AdminPolicies.Admin).WithTags("Contracts").ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/contracts/{contractNumber}", (string contractNumber, ContractsHandler handler, CancellationToken ct) => handler.GetAsync(contractNumber, ct))
            .WithETag().RequireAuthorization(AdminPolicies.Read).WithTags("Contracts").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/contracts/{contractNumber}/allowance", (string contractNumber, [FromQuery] string? at, ContractsHandler handler, CancellationToken ct) =>
                handler.AllowanceAsync(contractNumber, at, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Contracts").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapContractEdits();
        return api;
    }
}

/// <summary>Dedicated Phone Support Contracts: created for accounts whose plan has contract terms (Constellix Corporate).</summary>
public sealed partial class ContractsHandler(PhoneSupportDb db, PolicyCatalog policies, AllowanceLedger ledger, IClock clock, Audit.AuditLog audit)
{
    public async Task<Results<Created<ContractResource>, ProblemHttpResult>> CreateAsync(CreateContractRequest body, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        var accountId = AdminFormats.Id(body.AccountId, "accountId", errors);
        var account = accountId is { } id ? await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) : null;
        if (accountId is not null && account is null) errors.Add("accountId", $"No account {accountId}.");
        if (account is not null && policies.For(account.Provider)?.Plan(account.Membership)?.Contract is null)
            errors.Add("accountId", $"Account {account.AccountNumber} is {account.Membership}; only plans with contract terms ({string.Join(", ", ContractPlans(account.Provider))}) hold contracts.");
        if (!AdminFormats.IsIdentityNumber(body.ContractNumber))
            errors.Add("contractNumber", $"'{body.ContractNumber}' is not a contract number: 4 to 12 digits.");
        var startsOn = AdminFormats.Date(body.StartsOn, "startsOn", errors);
        var endsOn = AdminFormats.Date(body.EndsOn, "endsOn", errors);
        if (startsOn is { } s && endsOn is { } e && e < s) errors.Add("endsOn", $"The contract ends ({e:yyyy-MM-dd}, inclusive) before it starts ({s:yyyy-MM-dd}).");
        if (errors.Any || account is null) return Problems.Validation(errors);

        var contract = new Contract(Guid.CreateVersion7(), account.Id, body.ContractNumber!, startsOn!.Value, endsOn!.Value, clock.GetCurrentInstant());
        db.Contracts.Add(contract);
        audit.Record("contract", contract.ContractNumber, "created", null, ContractResource.Of(contract, null));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (Problems.UniqueViolation(ex) is "contracts_contract_number_key")
        {
            return Problems.Conflict("contractNumber", $"Contract number {contract.ContractNumber} is already taken (contract numbers are unique across providers).");
        }
        var allowance = await ledger.SnapshotAsync(contract, account.Provider, clock.GetCurrentInstant(), ct);
        return TypedResults.Created($"/api/contracts/{contract.ContractNumber}", ContractResource.Of(contract, allowance));
    }

    public async Task<Results<Ok<ContractResource>, ProblemHttpResult>> GetAsync(string contractNumber, CancellationToken ct)
    {
        if (await FindAsync(contractNumber, ct) is not ({ } contract, { } provider)) return Problems.NotFound($"No contract {contractNumber}.");
        return TypedResults.Ok(ContractResource.Of(contract, await ledger.SnapshotAsync(contract, provider, clock.GetCurrentInstant(), ct)));
    }

    /// <summary>The included incidents of the contract year containing <paramref name="atText"/> (default now).</summary>
    public async Task<Results<Ok<ContractAllowanceResource>, ProblemHttpResult>> AllowanceAsync(string contractNumber, string? atText, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var at = AdminFormats.Instant(atText, "at", errors, clock.GetCurrentInstant());
        if (errors.Any) return Problems.Validation(errors);
        if (await FindAsync(contractNumber, ct) is not ({ } contract, { } provider)) return Problems.NotFound($"No contract {contractNumber}.");
        if (await ledger.SnapshotAsync(contract, provider, at!.Value, ct) is not { } s)
            return Problems.NotFound($"The {provider} policy includes no incidents with contracts.");
        return TypedResults.Ok(new ContractAllowanceResource(contract.ContractNumber, AdminFormats.Format(at.Value),
            AdminFormats.Format(s.ContractYearStart), AdminFormats.Format(s.ContractYearEnd), s.Included, s.Used, s.Claimed, s.Remaining));
    }

    private async Task<(Contract Contract, string Provider)?> FindAsync(string contractNumber, CancellationToken ct)
    {
        var found = await (from c in db.Contracts.AsNoTracking()
                           join a in db.Accounts on c.AccountId equals a.Id
                           where c.ContractNumber == contractNumber
                           select new { Contract = c, a.Provider }).FirstOrDefaultAsync(ct);
        return found is null ? null : (found.Contract, found.Provider);
    }

    private IEnumerable<string> ContractPlans(string provider) =>
        (policies.For(provider)?.Plans.Values ?? []).Where(p => p.Contract is not null).Select(p => p.Name).Order(StringComparer.Ordinal);
}
