using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Features.Admin;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Console.Pages.Admin;

/// <summary>One account: membership, what it is entitled to now, contracts with this contract year's allowance, exam sessions.</summary>
public sealed class AccountModel(AccountsHandler accounts, ContractsHandler contracts, PhoneSupportDb db, NodaTime.IClock clock) : PageModel
{
    /// <summary>The instant the entitlement was decided at, shown in the viewer's zone.</summary>
    public NodaTime.Instant Now { get; } = clock.GetCurrentInstant();

    /// <summary>The edit form: every field sent (a full replacement), under the revision the form was drawn from.</summary>
    public sealed class EditInput
    {
        public string? Name { get; set; }
        public string? Membership { get; set; }
        public string? PhoneNumbers { get; set; }
        public string? UserNames { get; set; }
        public string? StripeCustomerId { get; set; }
        public bool Active { get; set; }
        public int Revision { get; set; }
    }

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

    [BindProperty]
    public EditInput Edit { get; set; } = new();

    private static readonly string[] EditFields = ["name", "membership", "phoneNumbers", "userNames", "stripeCustomerId", "active"];

    [FromQuery]
    public string? Done { get; set; }

    public AccountResource? Account { get; private set; }
    public string? TamName { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    /// <summary>Saves the edit through the API's own handler; a form drawn from an older revision is refused (412) and shown again.</summary>
    public async Task<IActionResult> OnPostEditAsync(CancellationToken ct)
    {
        static string[] Lines(string? text) =>
            [.. (text ?? "").Split(['\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        var body = new PatchAccountRequest(Edit.Name, Edit.Membership?.Trim(), Lines(Edit.PhoneNumbers), Lines(Edit.UserNames),
            string.IsNullOrWhiteSpace(Edit.StripeCustomerId) ? null : Edit.StripeCustomerId.Trim(), null, Edit.Active);
        var sent = new HashSet<string>(EditFields, StringComparer.OrdinalIgnoreCase);
        var result = (await accounts.PatchAsync(Id.ToString(), body, sent, ETags.Format(Edit.Revision), ct)).Result;
        if (ConsoleResults.Problem(result) is { Status: StatusCodes.Status412PreconditionFailed })
        {
            ModelState.AddModelError("", "Someone else changed this account since you opened it; nothing was saved. The form shows your entries; reload the page to see theirs.");
            if (!await LoadAsync(ct)) return NotFound();
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        return await AnswerAsync(result, "Edit.", EditFields, "Account saved.", ct);
    }

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

    /// <summary>Renews, shortens or ends a contract (its last day, inclusive) under the revision shown.</summary>
    public async Task<IActionResult> OnPostContractEndAsync([FromForm] string contractNumber, [FromForm] int revision, [FromForm] string? endsOn, CancellationToken ct)
    {
        var result = (await contracts.PatchAsync(contractNumber, new PatchContractRequest(null, endsOn), ETags.Format(revision), ct)).Result;
        return await AnswerAsync(result, "", [], $"Contract {contractNumber} now ends on {endsOn}.", ct);
    }

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
        if (Account is { } a && Edit.Revision == 0) // not posted by the edit form: drawn from the account as it is
            Edit = new EditInput
            {
                Name = a.Name, Membership = a.Membership, PhoneNumbers = string.Join("\n", a.PhoneNumbers), UserNames = string.Join("\n", a.UserNames),
                StripeCustomerId = a.StripeCustomerId, Active = a.Active, Revision = a.Revision,
            };
        if (Account?.TamTechnicianId is { } tam) TamName = await db.Technicians.Where(t => t.Id == tam).Select(t => t.Name).FirstOrDefaultAsync(ct);
        return Account is not null;
    }
}
