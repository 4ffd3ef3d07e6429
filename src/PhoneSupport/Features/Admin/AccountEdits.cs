using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Accounts;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

public static class AccountEditEndpoints
{
    public static RouteGroupBuilder MapAccountEdits(this RouteGroupBuilder api)
    {
        api.MapPatch("/accounts/{id}", (string id, HttpRequest request, AccountsHandler handler, CancellationToken ct) =>
                MergePatch.WithPatchAsync<PatchAccountRequest, Ok<AccountResource>>(request, (body, sent) => handler.PatchAsync(id, body, sent, ETags.IfMatch(request), ct), ct))
            .WithETag().JsonBody<PatchAccountRequest>().RequireAuthorization(AdminPolicies.Admin).WithTags("Accounts")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/accounts/{id}/exam-sessions", (string id, AccountsHandler handler, CancellationToken ct) => handler.ListExamSessionsAsync(id, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Accounts").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/accounts/{id}/exam-sessions/{sessionId}", (string id, string sessionId, AccountsHandler handler, CancellationToken ct) =>
                handler.CancelExamSessionAsync(id, sessionId, ct))
            .RequireAuthorization(AdminPolicies.Admin).WithTags("Accounts").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}

/// <summary>A merge patch of an account: members left out are unchanged; <c>stripeCustomerId</c> and <c>tamTechnicianId</c> may be set to null.</summary>
public sealed record PatchAccountRequest(
    string? Name, string? Membership, string[]? PhoneNumbers, string[]? UserNames, string? StripeCustomerId, string? TamTechnicianId, bool? Active);

public sealed partial class AccountsHandler
{
    /// <summary>
    /// Edits an account under <c>If-Match</c> (<see cref="ETags"/>), validated as <c>POST /api/accounts</c> is, with its audit
    /// row (before and after) in the same transaction. A new membership applies to calls from now on: past calls keep the
    /// decision, policy version and entitlement stored with them, incidents and charges theirs.
    /// </summary>
    public async Task<Results<Ok<AccountResource>, ProblemHttpResult>> PatchAsync(
        string idText, PatchAccountRequest body, IReadOnlySet<string> sent, string? ifMatch, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        if (!Guid.TryParse(idText, out var id)) return Problems.NotFound($"No account '{idText}'.");
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var account = await db.Accounts.Include(a => a.PhoneNumbers).Include(a => a.UserNames).AsSplitQuery().FirstOrDefaultAsync(a => a.Id == id, ct);
            if (account is null) return Problems.NotFound($"No account {id}.");
            if (ETags.Precondition(ifMatch, account.Revision) is { } stale) return stale;

            var errors = new FieldErrors();
            var policy = policies.For(account.Provider);
            if (sent.Contains("name") && string.IsNullOrWhiteSpace(body.Name)) errors.Add("name", "The customer's name cannot be empty.");
            if (sent.Contains("membership") && (body.Membership is null || policy?.Plan(body.Membership) is null))
                errors.Add("membership", $"'{body.Membership}' is not a {account.Provider} plan; one of: {(policy is null ? "" : string.Join(", ", PlanNames(policy)))}.");
            if (sent.Contains("phoneNumbers") && body.PhoneNumbers is null) errors.Add("phoneNumbers", "The numbers the account calls from: a list (may be empty), not null.");
            foreach (var phone in body.PhoneNumbers ?? [])
                if (!AdminFormats.IsE164(phone)) errors.Add("phoneNumbers", $"'{phone}' is not an E.164 number like +17035550100.");
            foreach (var phone in (body.PhoneNumbers ?? []).GroupBy(p => p).Where(g => g.Count() > 1))
                errors.Add("phoneNumbers", $"'{phone.Key}' is listed more than once.");
            if (sent.Contains("userNames") && body.UserNames is null) errors.Add("userNames", "The user names: a list (may be empty), not null.");
            foreach (var userName in body.UserNames ?? [])
                if (string.IsNullOrWhiteSpace(userName) || userName.Length > 200) errors.Add("userNames", "A user name is 1 to 200 characters.");
            foreach (var userName in (body.UserNames ?? []).Where(u => u is not null).GroupBy(u => u.Trim()).Where(g => g.Count() > 1))
                errors.Add("userNames", $"'{userName.Key}' is listed more than once.");
            if (body.StripeCustomerId is { } stripe && !stripe.StartsWith("cus_", StringComparison.Ordinal))
                errors.Add("stripeCustomerId", $"'{stripe}' is not a Stripe customer id (cus_…).");
            var tam = AdminFormats.Id(body.TamTechnicianId, "tamTechnicianId", errors, required: false);
            if (tam is { } tamId && !await db.Technicians.AnyAsync(t => t.Id == tamId && t.Providers.Contains(account.Provider), ct))
                errors.Add("tamTechnicianId", $"No technician {tamId} serves {account.Provider}.");
            if (sent.Contains("active") && body.Active is null) errors.Add("active", "true or false.");
            if (errors.Any) return Problems.Validation(errors);

            var before = AccountSummary.Of(account);
            account.Edit(sent.Contains("name") ? body.Name!.Trim() : null, sent.Contains("membership") ? body.Membership : null, body.Active);
            if (sent.Contains("stripeCustomerId")) account.StripeCustomerId = body.StripeCustomerId;
            if (sent.Contains("tamTechnicianId")) account.TamTechnicianId = tam;
            if (body.PhoneNumbers is { } phones) account.ReplacePhoneNumbers(phones);
            if (body.UserNames is { } names) account.ReplaceUserNames([.. names.Select(n => n.Trim())]);
            audit.Record("account", account.Id, "updated", before, AccountSummary.Of(account));
            try
            {
                await db.SaveChangesAsync(ct);
                break;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                // Edited by someone else between the read and the save: judged again on the new revision (412 under If-Match).
            }
            catch (DbUpdateException e) when (Problems.UniqueViolation(e) is "account_phone_numbers_provider_phone_key")
            {
                db.ChangeTracker.Clear();
                var listed = body.PhoneNumbers ?? [];
                var taken = await db.AccountPhoneNumbers.AsNoTracking()
                    .Where(p => p.Provider == account.Provider && p.AccountId != account.Id && listed.Contains(p.PhoneNumber)).Select(p => p.PhoneNumber).ToListAsync(ct);
                return Problems.Conflict("phoneNumbers", $"Already registered to another {account.Provider} account: {string.Join(", ", taken.Order(StringComparer.Ordinal))}.");
            }
        }
        db.ChangeTracker.Clear();
        return TypedResults.Ok((await ReadAsync(id, null, ct))!);
    }

    public async Task<Results<Ok<Page<ExamSessionResource>>, ProblemHttpResult>> ListExamSessionsAsync(string idText, CancellationToken ct)
    {
        if (!Guid.TryParse(idText, out var id) || !await db.Accounts.AnyAsync(a => a.Id == id, ct)) return Problems.NotFound($"No account '{idText}'.");
        var sessions = await db.ExamSessions.AsNoTracking().Where(s => s.AccountId == id).OrderBy(s => s.StartsAt).ThenBy(s => s.Id).ToListAsync(ct);
        return TypedResults.Ok(new Page<ExamSessionResource>([.. sessions.Select(ExamSessionResource.Of)], null));
    }

    /// <summary>Cancels (removes) an exam session; calls decided during it keep the decision stored with them.</summary>
    public async Task<Results<NoContent, ProblemHttpResult>> CancelExamSessionAsync(string idText, string sessionIdText, CancellationToken ct)
    {
        var session = Guid.TryParse(idText, out var id) && Guid.TryParse(sessionIdText, out var sessionId)
            ? await db.ExamSessions.FirstOrDefaultAsync(s => s.Id == sessionId && s.AccountId == id, ct)
            : null;
        if (session is null) return Problems.NotFound($"No exam session '{sessionIdText}' of account '{idText}'.");
        db.ExamSessions.Remove(session);
        audit.Record("examSession", session.Id, "cancelled", ExamSessionResource.Of(session), null);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
