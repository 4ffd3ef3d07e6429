using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Admin;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Console.Pages.Admin;

/// <summary>Technicians with their state as routing sees it; a new one through the admin API's handler.</summary>
public sealed class TechniciansModel(TechniciansHandler technicians, PolicyCatalog policies, PhoneSupportDb db) : PageModel
{
    public sealed class TechnicianInput
    {
        public string? Name { get; set; }
        public string? PhoneNumber { get; set; }
        public List<string> Providers { get; set; } = [];
        public string? Skills { get; set; }
        public string? Languages { get; set; }
    }

    [BindProperty]
    public TechnicianInput Input { get; set; } = new();

    [FromQuery(Name = "created")]
    public bool Done { get; set; }

    [FromQuery(Name = "changed")]
    public string? Changed { get; set; }

    public IReadOnlyList<TechnicianResource> Technicians { get; private set; } = [];
    public Dictionary<Guid, string> TamOf { get; private set; } = [];
    public IReadOnlyList<string> Providers => [.. policies.Policies.Select(p => p.Provider).Order(StringComparer.Ordinal)];

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var request = new CreateTechnicianRequest(Input.Name, AdminIndexModel.Blank(Input.PhoneNumber), [.. Input.Providers], AdminIndexModel.Lines(Input.Skills),
            AdminIndexModel.Lines(Input.Languages) is { Length: > 0 } languages ? languages : null);
        var result = (await technicians.CreateAsync(request, User, ct)).Result;
        if (!ConsoleResults.AddTo(result, ModelState, "Input.", ["name", "phoneNumber", "providers", "skills", "languages"])) return Redirect("/console/admin/technicians?created=true");
        await LoadAsync(ct);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>Retires (never reserved again; a call in progress is finished) or reinstates a technician, under the revision shown.</summary>
    public async Task<IActionResult> OnPostActiveAsync([FromForm] Guid id, [FromForm] int revision, [FromForm] bool active, CancellationToken ct)
    {
        var result = (await technicians.PatchAsync(id.ToString(), new PatchTechnicianRequest(null, null, null, null, null, active),
            new HashSet<string>(["active"], StringComparer.OrdinalIgnoreCase), ETags.Format(revision), User, ct)).Result;
        if (!ConsoleResults.AddTo(result, ModelState, "", []))
            return Redirect($"/console/admin/technicians?changed={Uri.EscapeDataString(active ? "Technician reinstated." : "Technician retired.")}");
        await LoadAsync(ct);
        Response.StatusCode = StatusCodes.Status409Conflict;
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Technicians = (await technicians.ListAsync("500", null, null, ct)).Result is Ok<Page<TechnicianResource>> ok ? ok.Value!.Items : [];
        TamOf = (await db.Accounts.AsNoTracking().Where(a => a.TamTechnicianId != null).Select(a => new { a.TamTechnicianId, a.Name }).ToListAsync(ct))
            .GroupBy(a => a.TamTechnicianId!.Value).ToDictionary(g => g.Key, g => string.Join(", ", g.Select(a => a.Name)));
    }
}
