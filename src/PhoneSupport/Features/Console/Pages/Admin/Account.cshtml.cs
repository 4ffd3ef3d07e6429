using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Features.Admin;

namespace PhoneSupport.Features.Console.Pages.Admin;

/// <summary>One account: membership, what it is entitled to now, contracts with this contract year's allowance, exam sessions.</summary>
public sealed class AccountModel(AccountsHandler accounts, ContractsHandler contracts, PhoneSupportDb db, NodaTime.IClock clock) : PageModel
{
    /// <summary>The instant the entitlement was decided at, shown in the viewer's zone.</summary>
    public NodaTime.Instant Now { get; } = clock.GetCurrentInstant();

    public sealed class ContractInput
    {
        public string? AccountId { get; set; }
        public string? ContractNumber { get; set; }
        public string? StartsOn { get; set; }
        public string? EndsOn { get; set; }
    }

    public sealed class SessionInput
    {
        public string? Membership { get; set; }
        public string? Start { get; set; }
        public string? End { get; set; }
    }

    [FromRoute]
    public Guid Id { get; set; }

    [BindProperty]
    public ContractInput Contract { get; set; } = new();

    [BindProperty]
    public SessionInput Session { get; set; } = new();

    [FromQuery]
    public string? Done { get; set; }

    public AccountResource? Account { get; private set; }
    public string? TamName { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostContractAsync(CancellationToken ct)
    {
        var result = (await contracts.CreateAsync(new CreateContractRequest(Id.ToString(), Contract.ContractNumber?.Trim(), Contract.StartsOn, Contract.EndsOn), ct)).Result;
        return await AnswerAsync(result, "Contract.", ["accountId", "contractNumber", "startsOn", "endsOn"], "Contract added.", ct);
    }

    public async Task<IActionResult> OnPostSessionAsync(CancellationToken ct)
    {
        // datetime-local values are wall times in the viewer's zone (skipped and repeated times resolved leniently, ReadableTime.ParseInput);
        // anything else goes to the API as typed, so its error names the field.
        var result = (await accounts.AddExamSessionAsync(Id.ToString(), new CreateExamSessionRequest(Local(Session.Start), Local(Session.End)), ct)).Result;
        return await AnswerAsync(result, "Session.", ["membership", "start", "end"], "Exam session added.", ct);
    }

    private static string? Local(string? text) =>
        Domain.Desk.ReadableTime.ParseInput(text, ConsoleFormat.Zone) is { } instant ? AdminFormats.Format(instant) : text;

    private async Task<IActionResult> AnswerAsync(IResult result, string prefix, string[] fields, string done, CancellationToken ct)
    {
        if (!ConsoleResults.AddTo(result, ModelState, prefix, fields)) return Redirect($"/console/admin/accounts/{Id}?done={Uri.EscapeDataString(done)}");
        if (!await LoadAsync(ct)) return NotFound();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        Account = await accounts.ReadAsync(Id, null, ct);
        if (Account?.TamTechnicianId is { } tam) TamName = await db.Technicians.Where(t => t.Id == tam).Select(t => t.Name).FirstOrDefaultAsync(ct);
        return Account is not null;
    }
}
