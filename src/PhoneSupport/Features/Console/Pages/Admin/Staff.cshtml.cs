using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Console.Pages.Admin;

/// <summary>Staff users: create (password generated, shown once), disable or enable, new password.</summary>
public sealed class StaffModel(StaffUsersHandler staff, PhoneSupportDb db) : PageModel
{
    [BindProperty]
    public CreateStaffUserRequest Input { get; set; } = new(null, null, null, null);

    public IReadOnlyList<StaffUserResource> Users { get; private set; } = [];
    public Dictionary<Guid, string> Technicians { get; private set; } = [];
    public StaffUserResource? Shown { get; private set; }
    public string? Error { get; private set; }

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var result = (await staff.CreateAsync(Input, User, ct)).Result;
        if (!ConsoleResults.AddTo(result, ModelState, "Input.", ["userName", "displayName", "role", "technicianId"]))
        {
            Shown = ((Created<StaffUserResource>)result).Value;
            ModelState.Clear();
            Input = new(null, null, null, null);
        }
        else Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(ct);
        return Page();
    }

    public Task<IActionResult> OnPostDisableAsync([FromForm] Guid id, CancellationToken ct) => ChangeAsync(staff.SetDisabledAsync(id, true, User, ct), ct);

    public Task<IActionResult> OnPostEnableAsync([FromForm] Guid id, CancellationToken ct) => ChangeAsync(staff.SetDisabledAsync(id, false, User, ct), ct);

    public Task<IActionResult> OnPostResetAsync([FromForm] Guid id, CancellationToken ct) => ChangeAsync(staff.ResetPasswordAsync(id, User, ct), ct);

    private async Task<IActionResult> ChangeAsync(Task<Results<Ok<StaffUserResource>, ProblemHttpResult>> change, CancellationToken ct)
    {
        var result = (await change).Result;
        if (ConsoleResults.Problem(result) is { } problem) Error = problem.Detail;
        else Shown = ((Ok<StaffUserResource>)result).Value;
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Users = await staff.ListAsync(ct);
        Technicians = await db.Technicians.AsNoTracking().OrderBy(t => t.Name).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
    }
}
