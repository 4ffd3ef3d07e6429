using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace PhoneSupport.BrowserTests;

/// <summary>
/// The project rule "every console page keeps zero axe-core violations (WCAG 2.1 AA)": axe-core run in the page with
/// the WCAG 2.0/2.1 level A and AA rules only, and a failure that names each rule, its help, and the offending nodes.
/// </summary>
public static class AxeAssert
{
    public static readonly IReadOnlyList<string> Wcag21AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

    public static async Task NoViolationsAsync(IPage page, string? what = null)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. Wcag21AA] },
        });
        Assert.True(result.Violations.Length == 0, Describe(what ?? page.Url, result.Violations));
    }

    private static string Describe(string what, AxeResultItem[] violations)
    {
        var text = new StringBuilder($"{violations.Length} axe-core violation(s) (WCAG 2.1 A/AA) on {what}:");
        foreach (var v in violations)
        {
            text.AppendLine().Append($"- {v.Id} ({v.Impact}): {v.Help} [{v.HelpUrl}]");
            foreach (var node in v.Nodes)
            {
                text.AppendLine().Append($"    {node.Target} {node.Html}");
                var checks = (node.Any ?? []).Concat(node.All ?? []).Concat(node.None ?? []).Select(c => c.Message).Where(m => !string.IsNullOrWhiteSpace(m));
                foreach (var message in checks) text.AppendLine().Append("      ").Append(message.ReplaceLineEndings(" "));
            }
        }
        return text.ToString();
    }
}
