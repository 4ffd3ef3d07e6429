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

public static class AccountEndpoints
{
    public static RouteGroupBuilder MapAccounts(this RouteGroupBuilder api)
    {
        api.MapPost("/accounts", (HttpRequest request, AccountsHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<CreateAccountRequest, Created<AccountResource>>(request, body => handler.CreateAsync(body, ct), ct))
            .JsonBody<CreateAccountRequest>().RequireAuthorization(AdminPolicies.Admin).WithTags("Accounts").ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/accounts", ([FromQuery] string? limit, [FromQuery] string? cursor, [FromQuery] string? provider, AccountsHandler handler, CancellationToken ct) =>
                handler.ListAsync(limit, cursor, provider, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Accounts").ProducesValidationProblem();
        api.MapGet("/accounts/{id}", (string id, [FromQuery] string? severity, AccountsHandler handler, CancellationToken ct) => handler.GetAsync(id, severity, ct))
            .WithETag().RequireAuthorization(AdminPolicies.Read).WithTags("Accounts").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/accounts/{id}/exam-sessions", (string id, HttpRequest request, AccountsHandler handler, CancellationToken ct) =>
                AdminJson.WithBodyAsync<CreateExamSessionRequest, Created<ExamSessionResource>>(request, body => handler.AddExamSessionAsync(id, body, ct), ct))
            .JsonBody<CreateExamSessionRequest>().RequireAuthorization(AdminPolicies.Admin).WithTags("Accounts").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/accounts/{id}/exam-sessions/{sessionId}", (string id, string sessionId, AccountsHandler handler, CancellationToken ct) =>
                handler.GetExamSessionAsync(id, sessionId, ct))
            .RequireAuthorization(AdminPolicies.Read).WithTags("Accounts").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapAccountEdits();
        return api;
    }
}

/// <summary>Accounts, their exam sessions, and an account's view with its contracts and what it is entitled to now.</summary>
public sealed partial class AccountsHandler(PhoneSupportDb db, PolicyCatalog policies, EntitlementService entitlements, AllowanceLedger ledger, IClock clock, Audit.AuditLog audit)
{
    public async Task<Results<Created<AccountResource>, ProblemHttpResult>> CreateAsync(CreateAccountRequest body, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var errors = new FieldErrors();
        var policy = Provider(body.Provider, errors);
        if (string.IsNullOrWhiteSpace(body.Name)) errors.Add("name", "Required: the customer's name.");
        if (policy is not null && (body.Membership is null || policy.Plan(body.Membership) is null))
            errors.Add("membership", $"'{body.Membership}' is not a {policy.Provider} plan; one of: {string.Join(", ", PlanNames(policy))}.");
        if (!AdminFormats.IsIdentityNumber(body.AccountNumber))
            errors.Add("accountNumber", $"'{body.AccountNumber}' is not an account number: 4 to 12 digits.");
        if (body.PhoneNumbers is null) errors.Add("phoneNumbers", "Required: the E.164 numbers the account calls from (may be empty).");
        foreach (var phone in body.PhoneNumbers ?? [])
            if (!AdminFormats.IsE164(phone)) errors.Add("phoneNumbers", $"'{phone}' is not an E.164 number like +17035550100.");
        foreach (var phone in (body.PhoneNumbers ?? []).GroupBy(p => p).Where(g => g.Count() > 1))
            errors.Add("phoneNumbers", $"'{phone.Key}' is listed more than once.");
        foreach (var userName in body.UserNames ?? [])
            if (string.IsNullOrWhiteSpace(userName) || userName.Length > 200) errors.Add("userNames", "A user name is 1 to 200 characters.");
        foreach (var userName in (body.UserNames ?? []).Where(u => u is not null).GroupBy(u => u.Trim()).Where(g => g.Count() > 1))
            errors.Add("userNames", $"'{userName.Key}' is listed more than once.");
        if (body.StripeCustomerId is { } stripe && !stripe.StartsWith("cus_", StringComparison.Ordinal))
            errors.Add("stripeCustomerId", $"'{stripe}' is not a Stripe customer id (cus_…).");
        var tam = AdminFormats.Id(body.TamTechnicianId, "tamTechnicianId", errors, required: false);
        if (tam is { } tamId && policy is not null && !await db.Technicians.AnyAsync(t => t.Id == tamId && t.Providers.Contains(policy.Provider), ct))
            errors.Add("tamTechnicianId", $"No technician {tamId} serves {policy.Provider}.");
        if (errors.Any || policy is null) return Problems.Validation(errors);

        var account = new Account(Guid.CreateVersion7(), policy.Provider, body.Name!.Trim(), body.Membership!, body.AccountNumber!, clock.GetCurrentInstant())
        {
            StripeCustomerId = body.StripeCustomerId,
            TamTechnicianId = tam,
        };
        foreach (var phone in body.PhoneNumbers!) account.AddPhoneNumber(phone);
        foreach (var userName in body.UserNames ?? []) account.AddUserName(userName.Trim());
        db.Accounts.Add(account);
        audit.Record("account", account.Id, "created", null, AccountSummary.Of(account));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (Problems.UniqueViolation(e) is "accounts_provider_account_number_key")
        {
            return Problems.Conflict("accountNumber", $"Account number {account.AccountNumber} is already used by another {account.Provider} account.");
        }
        catch (DbUpdateException e) when (Problems.UniqueViolation(e) is "account_phone_numbers_provider_phone_key")
        {
            db.ChangeTracker.Clear();
            var phones = body.PhoneNumbers!;
            var taken = await db.AccountPhoneNumbers.AsNoTracking()
                .Where(p => p.Provider == account.Provider && phones.Contains(p.PhoneNumber)).Select(p => p.PhoneNumber).ToListAsync(ct);
            return Problems.Conflict("phoneNumbers", $"Already registered to another {account.Provider} account: {string.Join(", ", taken.Order(StringComparer.Ordinal))}.");
        }
        return TypedResults.Created($"/api/accounts/{account.Id}", await ReadAsync(account.Id, null, ct));
    }

    public async Task<Results<Ok<Page<AccountSummary>>, ProblemHttpResult>> ListAsync(string? limitText, string? cursorText, string? provider, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var limit = AdminFormats.Limit(limitText, errors);
        var after = AdminFormats.Cursor(cursorText, errors);
        if (provider is not null) Provider(provider, errors);
        if (errors.Any) return Problems.Validation(errors);

        var query = db.Accounts.AsNoTracking().Include(a => a.PhoneNumbers).Include(a => a.UserNames).AsSplitQuery();
        if (provider is not null) query = query.Where(a => a.Provider == provider);
        if (after is { } last) query = query.Where(a => a.Id > last);
        var rows = await query.OrderBy(a => a.Id).Take(limit + 1).ToListAsync(ct);
        var page = rows.Take(limit).Select(AccountSummary.Of).ToList();
        return TypedResults.Ok(new Page<AccountSummary>(page, rows.Count > limit ? AdminFormats.Cursor(page[^1].Id) : null));
    }

    public async Task<Results<Ok<AccountResource>, ProblemHttpResult>> GetAsync(string idText, string? severityText, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var severity = AdminFormats.Severity(severityText, errors);
        if (!Guid.TryParse(idText, out var id)) return Problems.NotFound($"No account '{idText}'.");
        if (errors.Any) return Problems.Validation(errors);
        return await ReadAsync(id, severity, ct) is { } account ? TypedResults.Ok(account) : Problems.NotFound($"No account {id}.");
    }

    public async Task<Results<Created<ExamSessionResource>, ProblemHttpResult>> AddExamSessionAsync(string idText, CreateExamSessionRequest body, CancellationToken ct)
    {
        if (InputRules.Refuse(body) is { } refused) return refused;
        var account = Guid.TryParse(idText, out var id) ? await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) : null;
        if (account is null) return Problems.NotFound($"No account '{idText}'.");
        var plan = policies.For(account.Provider)?.Plan(account.Membership);
        if (plan?.ExamSessionTargets is null)
            return Problems.Validation("membership",
                $"Exam sessions are for plans with exam-session support (Proctored); account {account.AccountNumber} is {account.Membership}.");

        var errors = new FieldErrors();
        var start = AdminFormats.Instant(body.Start, "start", errors);
        var end = AdminFormats.Instant(body.End, "end", errors);
        if (start is { } s && end is { } e && e <= s) errors.Add("end", "The session must end after it starts.");
        if (errors.Any) return Problems.Validation(errors);

        var session = new ExamSession(Guid.CreateVersion7(), account.Id, start!.Value, end!.Value, clock.GetCurrentInstant());
        db.ExamSessions.Add(session);
        audit.Record("examSession", session.Id, "created", null, ExamSessionResource.Of(session));
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/accounts/{account.Id}/exam-sessions/{session.Id}", ExamSessionResource.Of(session));
    }

    public async Task<Results<Ok<ExamSessionResource>, ProblemHttpResult>> GetExamSessionAsync(string idText, string sessionIdText, CancellationToken ct)
    {
        var session = Guid.TryParse(idText, out var id) && Guid.TryParse(sessionIdText, out var sessionId)
            ? await db.ExamSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId && s.AccountId == id, ct)
            : null;
        return session is null ? Problems.NotFound($"No exam session '{sessionIdText}' of account '{idText}'.") : TypedResults.Ok(ExamSessionResource.Of(session));
    }

    /// <summary>
    /// The account with its contracts (each with its allowance for the contract year now), its exam sessions and
    /// <c>entitlementsNow</c>: the engine's decision for a call now, on the contract active today if any. Plans with
    /// response targets are asked about <paramref name="severity"/> (default 1, the most urgent).
    /// </summary>
    public async Task<AccountResource?> ReadAsync(Guid id, int? severity, CancellationToken ct)
    {
        var account = await db.Accounts.AsNoTracking().Include(a => a.PhoneNumbers).Include(a => a.UserNames).Include(a => a.Contracts)
            .AsSplitQuery().FirstOrDefaultAsync(a => a.Id == id, ct);
        if (account is null) return null;
        var now = clock.GetCurrentInstant();

        var contracts = new List<ContractResource>();
        foreach (var contract in account.Contracts.OrderBy(c => c.StartsOn).ThenBy(c => c.ContractNumber, StringComparer.Ordinal))
            contracts.Add(ContractResource.Of(contract, await ledger.SnapshotAsync(contract, account.Provider, now, ct)));
        var sessions = await db.ExamSessions.AsNoTracking().Where(s => s.AccountId == id)
            .OrderBy(s => s.StartsAt).ThenBy(s => s.Id).ToListAsync(ct);

        EntitlementNowResource? entitlementNow = null;
        if (policies.For(account.Provider) is { } policy)
        {
            var asked = severity ?? (policy.Plan(account.Membership)?.Targets is null ? null : AdminFormats.MinSeverity);
            var active = await entitlements.ActiveContractAsync(account.Id, account.Provider, now, ct);
            if (await entitlements.DecideAsync(account.Id, active?.Id, asked, now, ct) is { } fact)
                entitlementNow = EntitlementNowResource.Of(fact.Entitlement, asked, active?.ContractNumber);
        }

        var summary = AccountSummary.Of(account);
        return new AccountResource(summary.Id, summary.Provider, summary.Name, summary.Membership, summary.AccountNumber, summary.PhoneNumbers,
            summary.UserNames, summary.StripeCustomerId, summary.TamTechnicianId, summary.CreatedAt,
            contracts, [.. sessions.Select(ExamSessionResource.Of)], entitlementNow, account.Active, account.Revision);
    }

    private SupportPolicy? Provider(string? provider, FieldErrors errors)
    {
        var policy = provider is null ? null : policies.For(provider);
        if (policy is null)
            errors.Add("provider", $"'{provider}' is not a provider with a loaded policy; one of: {string.Join(", ", policies.Policies.Select(p => p.Provider))}.");
        return policy;
    }

    internal static IEnumerable<string> PlanNames(SupportPolicy policy) =>
        policy.Plans.Values.OrderBy(p => p.Priority).ThenBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Name);
}
