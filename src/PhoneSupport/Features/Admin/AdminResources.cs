using System.Text.Json.Serialization;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Accounts;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Admin;

// The admin API's JSON shapes. Instants, dates and durations are strings here (ISO-8601, see AdminFormats), so the
// wire format does not depend on a serializer plugin for NodaTime. Optional parts are left out when absent.

/// <summary>An amount in minor units: <c>{ "amount": 12000, "currency": "usd" }</c>.</summary>
public sealed record MoneyResource(long Amount, string Currency)
{
    public static MoneyResource Of(Money money) => new(money.Amount, money.Currency);
}

public sealed record CreateAccountRequest(
    string? Provider, string? Name, string? Membership, string? AccountNumber, [property: ListLimit(20)] string[]? PhoneNumbers, [property: ListLimit(50)] string[]? UserNames = null,
    string? StripeCustomerId = null, string? TamTechnicianId = null);

public sealed record AccountSummary(
    Guid Id, string Provider, string Name, string Membership, string AccountNumber, IReadOnlyList<string> PhoneNumbers,
    IReadOnlyList<string> UserNames, string? StripeCustomerId, Guid? TamTechnicianId, string CreatedAt, bool Active = true)
{
    public static AccountSummary Of(Account a) => new(a.Id, a.Provider, a.Name, a.Membership, a.AccountNumber,
        [.. a.PhoneNumbers.Select(p => p.PhoneNumber).Order(StringComparer.Ordinal)],
        [.. a.UserNames.Select(u => u.UserName).Order(StringComparer.Ordinal)],
        a.StripeCustomerId, a.TamTechnicianId, AdminFormats.Format(a.CreatedAt), a.Active);
}

/// <summary><c>GET /api/accounts/{id}</c>, and the answer of <c>POST /api/accounts</c>.</summary>
public sealed record AccountResource(
    Guid Id, string Provider, string Name, string Membership, string AccountNumber, IReadOnlyList<string> PhoneNumbers,
    IReadOnlyList<string> UserNames, string? StripeCustomerId, Guid? TamTechnicianId, string CreatedAt,
    IReadOnlyList<ContractResource> Contracts, IReadOnlyList<ExamSessionResource> ExamSessions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EntitlementNowResource? EntitlementsNow,
    bool Active = true,
    [property: JsonIgnore] int Revision = 0) : IRevisioned;

/// <summary>What the account is entitled to at this moment (the engine's decision for a call now).</summary>
public sealed record EntitlementNowResource(
    string Window,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Holiday,
    string LocalTime,
    string Decision,
    string Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Severity,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ContractNumber,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AllowanceResource? Allowance,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MoneyResource? RatePerHour,
    string CallbackDueAt,
    string Clock,
    string PolicyVersion)
{
    public static EntitlementNowResource Of(Entitlement e, int? severity, string? contractNumber) => new(
        e.Window.Name(), e.Holiday, AdminFormats.Format(e.LocalTime), e.Decision.Name(), e.Reason, severity, contractNumber,
        e.Allowance is { } a ? AllowanceResource.Of(a) : null, e.Price is { } p ? MoneyResource.Of(p.RatePerHour) : null,
        AdminFormats.Format(e.CallbackDueAt), ClockName(e.Clock), e.PolicyVersion);

    public static string ClockName(ClockKind clock) => clock == ClockKind.Wall ? "24x7" : "coverage";
}

/// <summary>A contract year's included incidents; <see cref="ContractYearEnd"/> is exclusive.</summary>
public sealed record AllowanceResource(string ContractYearStart, string ContractYearEnd, int Included, int Used, int Claimed, int Remaining)
{
    public static AllowanceResource Of(AllowanceSnapshot s) =>
        new(AdminFormats.Format(s.ContractYearStart), AdminFormats.Format(s.ContractYearEnd), s.Included, s.Used, s.Claimed, s.Remaining);
}

public sealed record CreateContractRequest(string? AccountId, string? ContractNumber, string? StartsOn, string? EndsOn);

/// <summary>A contract with <see cref="Allowance"/> for its contract year now; <see cref="EndsOn"/> is inclusive.</summary>
public sealed record ContractResource(
    Guid Id, Guid AccountId, string ContractNumber, string StartsOn, string EndsOn, string CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AllowanceResource? Allowance,
    [property: JsonIgnore] int Revision = 0) : IRevisioned
{
    public static ContractResource Of(Contract c, AllowanceSnapshot? allowance) => new(
        c.Id, c.AccountId, c.ContractNumber, AdminFormats.Format(c.StartsOn), AdminFormats.Format(c.EndsOn), AdminFormats.Format(c.CreatedAt),
        allowance is null ? null : AllowanceResource.Of(allowance), c.Revision);
}

/// <summary><c>GET /api/contracts/{contractNumber}/allowance</c>.</summary>
public sealed record ContractAllowanceResource(
    string ContractNumber, string At, string ContractYearStart, string ContractYearEnd, int Included, int Used, int Claimed, int Remaining);

public sealed record CreateExamSessionRequest(string? Start, string? End);

public sealed record ExamSessionResource(Guid Id, Guid AccountId, string Start, string End, string CreatedAt)
{
    public static ExamSessionResource Of(ExamSession s) =>
        new(s.Id, s.AccountId, AdminFormats.Format(s.StartsAt), AdminFormats.Format(s.EndsAt), AdminFormats.Format(s.CreatedAt));
}

/// <summary><see cref="TechnicianId"/>: required for a technician key (the one technician it acts for), refused for the other roles.</summary>
public sealed record CreateApiKeyRequest(string? Name, string? Role, string? TechnicianId = null);

/// <summary>An API key as stored; <see cref="Key"/> is only ever present in the answer that created it.</summary>
public sealed record ApiKeyResource(
    Guid Id, string Name, string Role, string Prefix, string CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RevokedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? TechnicianId = null)
{
    public static ApiKeyResource Of(ApiKey k, string? key = null) => new(
        k.Id, k.Name, k.Role, k.Prefix, AdminFormats.Format(k.CreatedAt), k.RevokedAt is { } r ? AdminFormats.Format(r) : null, key, k.TechnicianId);
}

/// <summary><see cref="Languages"/>: BCP-47 tags or primary subtags (<c>de-DE</c>, <c>de</c>), preferred first; stored as primary subtags; default <c>en</c>.</summary>
public sealed record CreateTechnicianRequest(string? Name, string? PhoneNumber, string?[]? Providers, string?[]? Skills = null, string?[]? Languages = null);

/// <summary><c>PUT /api/technicians/{id}/availability</c>: <c>available</c> or <c>offline</c>.</summary>
public sealed record SetAvailabilityRequest(string? Status);

/// <summary><c>PUT /api/technicians/{id}/on-call</c>: the whole rota, replacing the previous one (empty clears it).</summary>
public sealed record ReplaceOnCallRequest([property: ListLimit(200)] OnCallWindowRequest?[]? Windows);

public sealed record OnCallWindowRequest(string? Start, string? End);

public sealed record OnCallWindowResource(string Start, string End);

/// <summary>
/// A technician with the state routing sees now: an expired wrap-up or reservation reads <c>available</c>, since
/// the router offers calls to them again. <see cref="OnCall"/> holds the rota's current and future windows.
/// </summary>
public sealed record TechnicianResource(
    Guid Id, string Name, string PhoneNumber, IReadOnlyList<string> Providers, IReadOnlyList<string> Skills,
    string Status, string StatusSince, string? ReservedCallSid, bool OnCallNow, IReadOnlyList<OnCallWindowResource> OnCall, string CreatedAt,
    IReadOnlyList<string> Languages, bool Active = true, [property: JsonIgnore] int Revision = 0) : IRevisioned;

/// <summary>A callback promise: <see cref="PhoneNumber"/> is the number promised a call, <see cref="CallSid"/> the call that made the promise.</summary>
public sealed record CallbackResource(
    Guid Id, string Provider, Guid? AccountId, string Status, string DueAt, string NotBefore, bool CoverageOnly, int Priority,
    bool AtRisk, string? EscalatedAt, int Attempts, string NextAttemptAt, string PhoneNumber, string CallSid, Guid? TechnicianId,
    string Reason, string CreatedAt, string UpdatedAt, string? CancelledAt = null, string? CancelReason = null, Guid? AssignedTechnicianId = null)
{
    public static CallbackResource Of(Features.CallCore.Callback c) => new(
        c.Id, c.Provider, c.AccountId, Features.CallCore.CallbackStatuses.Wire(c.Status), AdminFormats.Format(c.DueAt), AdminFormats.Format(c.NotBefore), c.CoverageOnly, c.Priority,
        c.AtRisk, c.EscalatedAt is { } e ? AdminFormats.Format(e) : null, c.Attempts, AdminFormats.Format(c.NextAttemptAt), c.PhoneNumber, c.CallSid,
        c.TechnicianId, c.Reason, AdminFormats.Format(c.CreatedAt), AdminFormats.Format(c.UpdatedAt),
        c.CancelledAt is { } cancelled ? AdminFormats.Format(cancelled) : null, c.CancelReason, c.AssignedTechnicianId);
}
