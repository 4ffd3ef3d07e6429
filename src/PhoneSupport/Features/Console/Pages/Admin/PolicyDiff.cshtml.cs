using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using PhoneSupport.Features.Admin;

namespace PhoneSupport.Features.Console.Pages.Admin;

/// <summary>
/// Two policy texts compared through the API's handler (<see cref="PolicyDiffHandler"/>): "before" starts as the provider's
/// policy loaded now; problems show under their text with their lines; the diff renders as <c>_PolicyDiff</c>.
/// </summary>
public sealed class PolicyDiffModel(PolicyDiffHandler diffs) : PageModel
{
    public sealed class DiffInput
    {
        public string? Provider { get; set; }
        public string? Before { get; set; }
        public string? After { get; set; }
    }

    [BindProperty]
    public DiffInput Input { get; set; } = new();

    public IReadOnlyList<string> Providers => diffs.Providers;

    public PolicyDiffResource? Result { get; private set; }

    public void OnGet([FromQuery] string? provider)
    {
        Input.Provider = provider is not null && Providers.Contains(provider) ? provider : Providers.FirstOrDefault();
        Input.Before = Input.After = Input.Provider is null ? null : diffs.CurrentText(Input.Provider);
    }

    public IActionResult OnPost()
    {
        var result = diffs.Diff(Input.Provider ?? "", new PolicyDiffRequest(string.IsNullOrWhiteSpace(Input.Before) ? null : Input.Before, Input.After)).Result;
        if (ConsoleResults.Problem(result) is { } problem)
        {
            ConsoleResults.AddTo(result, ModelState, "Input.", ["before", "after"]);
            Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
            return Page();
        }
        Result = ((Microsoft.AspNetCore.Http.HttpResults.Ok<PolicyDiffResource>)result).Value;
        return Page();
    }

    /// <summary>The messages of one form field (or "" for the form as a whole).</summary>
    public IReadOnlyList<string> Errors(string key) =>
        ModelState.TryGetValue(key, out var entry) ? [.. entry.Errors.Select(e => e.ErrorMessage)] : [];
}
