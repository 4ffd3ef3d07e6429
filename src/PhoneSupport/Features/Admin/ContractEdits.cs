using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

public static class ContractEditEndpoints
{
    public static RouteGroupBuilder MapContractEdits(this RouteGroupBuilder api)
    {
        api.MapPatch("/contracts/{contractNumber}", (string contractNumber, HttpRequest request, ContractsHandler handler, CancellationToken ct) =>
                MergePatch.WithPatchAsync<PatchContractRequest, Ok<ContractResource>>(request, (body, _) => handler.PatchAsync(contractNumber, body, ETags.IfMatch(request), ct), ct))
            .WithETag().JsonBody<PatchContractRequest>().RequireAuthorization(AdminPolicies.Admin).WithTags("Contracts")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}

/// <summary>Renew (a later <c>endsOn</c>), shorten or end (an earlier one), or move the start; members left out are unchanged.</summary>
public sealed record PatchContractRequest(string? StartsOn, string? EndsOn);

public sealed partial class ContractsHandler
{
    /// <summary>
    /// New contract dates under <c>If-Match</c>, audited in the same transaction. Allowance already used or claimed stays
    /// recorded against the calls that used it; the contract years from now on follow the new dates.
    /// </summary>
    public async Task<Results<Ok<ContractResource>, ProblemHttpResult>> PatchAsync(
        string contractNumber, PatchContractRequest body, string? ifMatch, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var contract = await db.Contracts.FirstOrDefaultAsync(c => c.ContractNumber == contractNumber, ct);
            if (contract is null) return Problems.NotFound($"No contract {contractNumber}.");
            if (ETags.Precondition(ifMatch, contract.Revision) is { } stale) return stale;

            var errors = new FieldErrors();
            var startsOn = body.StartsOn is null ? contract.StartsOn : AdminFormats.Date(body.StartsOn, "startsOn", errors);
            var endsOn = body.EndsOn is null ? contract.EndsOn : AdminFormats.Date(body.EndsOn, "endsOn", errors);
            if (startsOn is { } s && endsOn is { } e && e < s) errors.Add("endsOn", $"The contract would end ({e:yyyy-MM-dd}, inclusive) before it starts ({s:yyyy-MM-dd}).");
            if (errors.Any) return Problems.Validation(errors);

            var before = ContractResource.Of(contract, null);
            contract.Edit(startsOn, endsOn);
            audit.Record("contract", contract.ContractNumber, "updated", before, ContractResource.Of(contract, null));
            try
            {
                await db.SaveChangesAsync(ct);
                break;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                // Edited meanwhile: judged again on the new revision.
            }
        }
        db.ChangeTracker.Clear();
        return await GetAsync(contractNumber, ct);
    }
}
