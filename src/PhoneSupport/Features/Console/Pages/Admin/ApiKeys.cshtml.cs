using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using PhoneSupport.Features.Admin;

namespace PhoneSupport.Features.Console.Pages.Admin;

/// <summary>The machines' API keys, through the admin API's handler: list, create (shown once), revoke.</summary>
public sealed class ApiKeysModel(ApiKeysHandler keys) : PageModel
{
    [BindProperty]
    public CreateApiKeyRequest Input { get; set; } = new(null, null);

    public IReadOnlyList<ApiKeyResource> Keys { get; private set; } = [];
    public ApiKeyResource? Created { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Keys = await keys.ListAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var result = (await keys.CreateAsync(Input, ct)).Result;
        if (!ConsoleResults.AddTo(result, ModelState, "Input.", ["name", "role", "technicianId"]))
        {
            Created = ((Created<ApiKeyResource>)result).Value;
            ModelState.Clear();
            Input = new(null, null);
        }
        else Response.StatusCode = StatusCodes.Status400BadRequest;
        Keys = await keys.ListAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync([FromForm] Guid id, CancellationToken ct)
    {
        await keys.RevokeAsync(id.ToString(), ct);
        return Redirect("/console/admin/api-keys");
    }
}
