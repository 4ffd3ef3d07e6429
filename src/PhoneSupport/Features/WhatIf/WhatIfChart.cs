using System.Globalization;
using System.Net;
using System.Text;

namespace PhoneSupport.Features.WhatIf;

/// <summary>
/// Billed before and after per account as horizontal bars drawn on the server (inline SVG, no script): each account a row with
/// its name, a "before" and an "after" bar, and each bar's amount written beside it (so the figures do not depend on colour).
/// The SVG is an image for assistive technology (<c>role="img"</c>, named by its <c>&lt;title&gt;</c>, described by its
/// <c>&lt;desc&gt;</c>); the page has the same figures as a table. Uses the Reports charts' classes (<c>svg.chart .c1</c>, <c>.c2</c>).
/// </summary>
public static class WhatIfChart
{
    private const double Width = 720, Label = 200, Right = 110, Row = 44, Bar = 16, Top = 30;

    public static string Bars(string id, IReadOnlyList<(string Name, long Before, long After)> accounts, string currency, Func<long, string> money)
    {
        var max = Math.Max(1, accounts.SelectMany(a => new[] { a.Before, a.After }).DefaultIfEmpty(0).Max());
        var height = Top + Row * accounts.Count + 10;
        var plot = Width - Label - Right;
        var svg = new StringBuilder();
        var title = "Billed before and after the draft, per account";
        var desc = accounts.Count == 0 ? "No billed calls in the period."
            : string.Join("; ", accounts.Select(a => $"{a.Name}: before {money(a.Before)}, after {money(a.After)}"));
        svg.Append(CultureInfo.InvariantCulture, $"""<svg class="chart" id="{E(id)}" role="img" aria-labelledby="{E(id)}-title {E(id)}-desc" viewBox="0 0 {Width} {height}" xmlns="http://www.w3.org/2000/svg">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<title id="{E(id)}-title">{E(title)} ({E(currency.ToUpperInvariant())})</title><desc id="{E(id)}-desc">{E(desc)}</desc>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<rect class="c1" x="{Label}" y="6" width="12" height="12"/><text class="legend" x="{Label + 16}" y="16">before (what was billed)</text>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<rect class="c2" x="{Label + 200}" y="6" width="12" height="12"/><text class="legend" x="{Label + 216}" y="16">after (the draft)</text>""");
        for (var i = 0; i < accounts.Count; i++)
        {
            var (name, before, after) = accounts[i];
            var y = Top + Row * i;
            svg.Append(CultureInfo.InvariantCulture, $"""<text class="tick" x="{Label - 8}" y="{y + Bar + 4:0.#}" text-anchor="end">{E(Short(name))}</text>""");
            foreach (var (value, css, offset, word) in new[] { (before, "c1", 0.0, "before"), (after, "c2", Bar + 2.0, "after") })
            {
                var w = value <= 0 ? 0 : Math.Max(1, value / (double)max * plot);
                svg.Append(CultureInfo.InvariantCulture, $"""<rect class="{css}" x="{Label}" y="{y + offset:0.#}" width="{w:0.##}" height="{Bar}"/>""");
                svg.Append(CultureInfo.InvariantCulture, $"""<text class="tick" x="{Label + w + 4:0.#}" y="{y + offset + 12:0.#}">{E(word)} {E(money(value))}</text>""");
            }
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Short(string name) => name.Length <= 28 ? name : name[..27] + "…";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
