using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Admin;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Console.Pages.Admin;

/// <summary>Accounts (memberships, Constructor customers, TAMs) and a new-account form checked by the admin API's own handler.</summary>
public sealed class AdminIndexModel(AccountsHandler accounts, PolicyCatalog policies, PhoneSupportDb db) : PageModel
{
    public sealed class AccountInput
    {
        public string? Provider { get; set; }
        public string? Name { get; set; }
        public string? Membership { get; set; }
        public string? AccountNumber { get; set; }
        public string? PhoneNumbers { get; set; }
        public string? UserNames { get; set; }
        public string? StripeCustomerId { get; set; }
        public string? TamTechnicianId { get; set; }
    }

    [BindProperty]
    public AccountInput Input { get; set; } = new();

    [FromQuery]
    public string? Provider { get; set; }

    [FromQuery(Name = "created")]
    public Guid? CreatedId { get; set; }

    public IReadOnlyList<AccountSummary> Accounts { get; private set; } = [];
    public IReadOnlyList<string> Providers => [.. policies.Policies.Select(p => p.Provider).Order(StringComparer.Ordinal)];
    public IReadOnlyList<string> Plans => [.. policies.Policies.SelectMany(p => AccountsHandler.PlanNames(p)).Distinct()];
    public Dictionary<Guid, string> TechnicianNames { get; private set; } = [];

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var request = new CreateAccountRequest(Blank(Input.Provider), Input.Name, Blank(Input.Membership), Input.AccountNumber?.Trim(),
            Lines(Input.PhoneNumbers), Lines(Input.UserNames), Blank(Input.StripeCustomerId), Blank(Input.TamTechnicianId));
        var result = (await accounts.CreateAsync(request, ct)).Result;
        if (ConsoleResults.AddTo(result, ModelState, "Input.", Fields))
        {
            await LoadAsync(ct);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        return Redirect($"/console/admin?created={((Created<AccountResource>)result).Value!.Id}");
    }

    private static readonly string[] Fields = ["provider", "name", "membership", "accountNumber", "phoneNumbers", "userNames", "stripeCustomerId", "tamTechnicianId"];

    private async Task LoadAsync(CancellationToken ct)
    {
        var provider = string.IsNullOrEmpty(Provider) || policies.For(Provider) is null ? null : Provider;
        Accounts = (await accounts.ListAsync("500", null, provider, ct)).Result is Ok<Page<AccountSummary>> ok ? ok.Value!.Items : [];
        TechnicianNames = await db.Technicians.AsNoTracking().OrderBy(t => t.Name).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
    }

    internal static string[] Lines(string? text) =>
        [.. (text ?? "").Split(['\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    internal static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
