using Microsoft.AspNetCore.Mvc.RazorPages;
using PhoneSupport.Domain.Flows;
using PhoneSupport.Features.Admin;

namespace PhoneSupport.Features.Console.Pages.Admin;

/// <summary>The loaded policies (as the admin API lists them) and each IVR flow drawn by <see cref="FlowDiagram"/>.</summary>
public sealed class PoliciesModel(PoliciesHandler policies, FlowCatalog flows) : PageModel
{
    public sealed record DrawnFlow(Flow Flow, string Svg, IReadOnlyList<FlowDiagram.Edge> Edges);

    public IReadOnlyList<PolicyResource> Policies { get; private set; } = [];
    public IReadOnlyList<DrawnFlow> Flows { get; private set; } = [];

    public void OnGet()
    {
        Policies = policies.List().Value!.Items;
        Flows = [.. flows.Flows.OrderBy(f => f.Id, StringComparer.Ordinal).Select(f => new DrawnFlow(f, FlowDiagram.Render(f), FlowDiagram.Edges(f)))];
    }
}
