using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace PhoneSupport.Features.Console;

/// <summary>
/// Ties each form field to its error for screen readers: the field gets <c>aria-invalid</c> and
/// <c>aria-describedby</c> naming its error message, which gets that id. Runs beside the built-in
/// <c>asp-for</c> / <c>asp-validation-for</c> tag helpers.
/// </summary>
[HtmlTargetElement("input", Attributes = "asp-for")]
[HtmlTargetElement("select", Attributes = "asp-for")]
[HtmlTargetElement("textarea", Attributes = "asp-for")]
public sealed class FieldErrorLinkTagHelper : TagHelper
{
    [HtmlAttributeName("asp-for")]
    public ModelExpression For { get; set; } = null!;

    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    /// <summary>After the built-in helpers (which run at order 0 and set the id).</summary>
    public override int Order => 10;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        if (!ViewContext.ViewData.ModelState.TryGetValue(For.Name, out var entry) || entry.Errors.Count == 0) return;
        output.Attributes.SetAttribute("aria-invalid", "true");
        var described = output.Attributes.TryGetAttribute("aria-describedby", out var existing) ? $"{ErrorId(For.Name)} {existing.Value}" : ErrorId(For.Name);
        output.Attributes.SetAttribute("aria-describedby", described);
    }

    public static string ErrorId(string name) => TagBuilder.CreateSanitizedId(name, "_") + "-error";
}

[HtmlTargetElement("span", Attributes = "asp-validation-for")]
public sealed class FieldErrorIdTagHelper : TagHelper
{
    [HtmlAttributeName("asp-validation-for")]
    public ModelExpression For { get; set; } = null!;

    public override int Order => 10;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        output.Attributes.SetAttribute("id", FieldErrorLinkTagHelper.ErrorId(For.Name));
        output.Attributes.SetAttribute("role", "alert");
    }
}
