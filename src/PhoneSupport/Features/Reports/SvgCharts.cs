using System.Globalization;
using System.Net;
using System.Text;

namespace PhoneSupport.Features.Reports;

/// <summary>One series of a chart: its name, a CSS class giving its colour, and one value per category (null: no value).</summary>
public sealed record ChartSeries(string Name, string CssClass, IReadOnlyList<double?> Values);

/// <summary>
/// Charts drawn on the server as inline SVG (no script, no front-end build): grouped bars and lines over categories (days,
/// months). Each is an image for assistive technology (<c>role="img"</c>, named by its <c>&lt;title&gt;</c> and described by its
/// <c>&lt;desc&gt;</c>); the page puts the same figures in a table beneath. Text is HTML-encoded.
/// </summary>
public static class SvgCharts
{
    private const double Width = 720, Height = 260, Left = 52, Right = 12, Top = 28, Bottom = 46;

    public static string Bars(string id, string title, string description, IReadOnlyList<string> categories, IReadOnlyList<ChartSeries> series, string unit = "") =>
        Draw(id, title, description, categories, series, bars: true, fixedMax: null, unit);

    public static string Lines(string id, string title, string description, IReadOnlyList<string> categories, IReadOnlyList<ChartSeries> series, double? max = null,
        string unit = "") => Draw(id, title, description, categories, series, bars: false, max, unit);

    private static string Draw(string id, string title, string description, IReadOnlyList<string> categories, IReadOnlyList<ChartSeries> series, bool bars,
        double? fixedMax, string unit)
    {
        var svg = new StringBuilder();
        var max = fixedMax ?? Nice(series.SelectMany(s => s.Values).Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(0).Max());
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        double Y(double value) => Top + plotHeight - (max <= 0 ? 0 : value / max * plotHeight);
        svg.Append(CultureInfo.InvariantCulture, $"""<svg class="chart" id="{E(id)}" role="img" aria-labelledby="{E(id)}-title {E(id)}-desc" viewBox="0 0 {Width} {Height}" xmlns="http://www.w3.org/2000/svg">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<title id="{E(id)}-title">{E(title)}</title><desc id="{E(id)}-desc">{E(description)}</desc>""");
        // Axis and grid: four steps of the scale.
        for (var step = 0; step <= 4; step++)
        {
            var value = max * step / 4;
            var y = Y(value);
            svg.Append(CultureInfo.InvariantCulture, $"""<line class="grid" x1="{Left}" y1="{y:0.#}" x2="{Width - Right}" y2="{y:0.#}"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text class="tick" x="{Left - 6}" y="{y + 4:0.#}" text-anchor="end">{E(Format(value))}{E(unit)}</text>""");
        }
        var count = Math.Max(1, categories.Count);
        var band = plotWidth / count;
        var labelEvery = Math.Max(1, (int)Math.Ceiling(count / 12.0));
        for (var i = 0; i < categories.Count; i++)
        {
            if (i % labelEvery != 0) continue;
            svg.Append(CultureInfo.InvariantCulture, $"""<text class="tick" x="{Left + band * (i + 0.5):0.#}" y="{Height - Bottom + 16}" text-anchor="middle">{E(Short(categories[i]))}</text>""");
        }
        for (var s = 0; s < series.Count; s++)
        {
            var values = series[s].Values;
            if (bars)
            {
                var barWidth = band * 0.8 / Math.Max(1, series.Count);
                for (var i = 0; i < categories.Count && i < values.Count; i++)
                {
                    if (values[i] is not { } v) continue;
                    var x = Left + band * i + band * 0.1 + barWidth * s;
                    svg.Append(CultureInfo.InvariantCulture, $"""<rect class="{E(series[s].CssClass)}" x="{x:0.##}" y="{Y(v):0.##}" width="{Math.Max(1, barWidth - 1):0.##}" height="{Math.Max(0, Top + plotHeight - Y(v)):0.##}"/>""");
                }
            }
            else
            {
                var points = new StringBuilder();
                for (var i = 0; i < categories.Count && i < values.Count; i++)
                {
                    if (values[i] is not { } v) continue;
                    var (x, y) = (Left + band * (i + 0.5), Y(v));
                    points.Append(CultureInfo.InvariantCulture, $"{x:0.##},{y:0.##} ");
                    svg.Append(CultureInfo.InvariantCulture, $"""<circle class="{E(series[s].CssClass)}" cx="{x:0.##}" cy="{y:0.##}" r="3"/>""");
                }
                if (points.Length > 0) svg.Append(CultureInfo.InvariantCulture, $"""<polyline class="{E(series[s].CssClass)} line" points="{points.ToString().Trim()}"/>""");
            }
        }
        // Legend along the bottom.
        var legendX = Left;
        foreach (var s in series)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<rect class="{E(s.CssClass)}" x="{legendX}" y="{Height - 18}" width="12" height="12"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text class="legend" x="{legendX + 16}" y="{Height - 8}">{E(s.Name)}</text>""");
            legendX += 24 + s.Name.Length * 7.5;
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>The scale's top: four equal steps of a round size (1, 2 or 5 × 10ⁿ, at least 1), so counts get whole labels.</summary>
    public static double Nice(double max)
    {
        var step = Math.Max(1, max / 4);
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(step)));
        foreach (var f in new[] { 1, 2, 5, 10 })
            if (f * magnitude >= step) return 4 * f * magnitude;
        return 40 * magnitude;
    }

    private static string Format(double value) => value.ToString(value >= 100 || value == Math.Floor(value) ? "0" : "0.#", CultureInfo.InvariantCulture);

    /// <summary>Day labels lose their year ("03-05"); months and others stay.</summary>
    private static string Short(string category) => category.Length == 10 && category[4] == '-' ? category[5..] : category;

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
