using Microsoft.AspNetCore.Mvc.RazorPages;

namespace PhoneSupport.Features.Console.Pages.Technician;

/// <summary>The desk without the page around it: what the page's script fetches every few seconds.</summary>
public sealed class DeskModel(TechnicianDesk desk) : PageModel
{
    public TechnicianView? View { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) =>
        View = TechnicianDesk.TechnicianOf(User) is { } id ? await desk.ViewAsync(id, ct) : null;
}
