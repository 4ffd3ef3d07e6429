using System.Globalization;
using System.Security;
using System.Text;
using PhoneSupport.Domain.Flows;

namespace PhoneSupport.Features.Console;

/// <summary>
/// Draws a parsed <see cref="Flow"/> as an SVG picture on the server: one box per step, layered by distance from the
/// start (breadth first), ordered within a layer by where their parents sit, and one arrow per branch labelled with its
/// key or outcome. Branches that go back up (retries, "press 9 to repeat") curve round the right-hand side. Plain SVG
/// with presentation attributes only, so the console's CSP (no inline styles or scripts) holds.
/// </summary>
public static class FlowDiagram
{
    private const int BoxWidth = 176;
    private const int BoxHeight = 48;
    private const int GapX = 28;
    private const int GapY = 86;
    private const int Margin = 24;
    private const double CharWidth = 6.6;

    public sealed record Edge(string From, string To, string Label);

    /// <summary>Every branch of the flow: menu keys, action and confirm outcomes, next and on-fail.</summary>
    public static List<Edge> Edges(Flow flow)
    {
        var edges = new List<Edge>();
        foreach (var step in flow.Steps.Values.OrderBy(s => s.Line))
        {
            foreach (var option in step.Options) edges.Add(new Edge(step.Id, option.Next.Target, step.Kind == StepKind.Language ? $"{option.Key} {option.Sets.GetValueOrDefault("language")}".Trim() : option.Key));
            foreach (var (outcome, target) in step.Outcomes.OrderBy(o => o.Value.Line)) edges.Add(new Edge(step.Id, target.Target, outcome));
            if (step.Next is { } next) edges.Add(new Edge(step.Id, next.Target, "next"));
            if (step.OnFail is { } fail) edges.Add(new Edge(step.Id, fail.Target, "fail"));
        }
        return [.. edges.Where(e => flow.Steps.ContainsKey(e.To))];
    }

    public static string Render(Flow flow)
    {
        // Branches between the same two steps are drawn as one arrow carrying all their labels.
        var edges = Edges(flow).GroupBy(e => (e.From, e.To)).Select(g => new Edge(g.Key.From, g.Key.To, string.Join("\n", g.Select(e => e.Label)))).ToList();
        var layers = Layers(flow, edges);
        var position = new Dictionary<string, (double X, double Y)>(StringComparer.Ordinal);
        var widest = layers.Max(l => l.Count);
        var width = Margin * 2 + widest * BoxWidth + (widest - 1) * GapX + 90;
        for (var row = 0; row < layers.Count; row++)
        {
            var layer = layers[row];
            var rowWidth = layer.Count * BoxWidth + (layer.Count - 1) * GapX;
            var left = Margin + (widest * BoxWidth + (widest - 1) * GapX - rowWidth) / 2.0;
            for (var i = 0; i < layer.Count; i++) position[layer[i]] = (left + i * (BoxWidth + GapX), Margin + row * (BoxHeight + GapY));
        }
        var height = Margin * 2 + layers.Count * BoxHeight + (layers.Count - 1) * GapY;
        var row0 = layers.SelectMany((l, r) => l.Select(id => (id, r))).ToDictionary(x => x.id, x => x.r, StringComparer.Ordinal);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="flow-{Id(flow.Id)}-title" font-family="DejaVu Sans, Verdana, sans-serif" font-size="12">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<title id="flow-{Id(flow.Id)}-title">IVR flow {X(flow.Id)} ({X(flow.Provider)}): {flow.Steps.Count} steps, {edges.Count} branches, starting at {X(flow.Start)}</title>""");
        svg.Append("""<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#4a5563"/></marker></defs>""");

        // Edges first, boxes over them, labels last so they stay readable.
        var labels = new StringBuilder();
        foreach (var group in edges.GroupBy(e => e.From))
        {
            var outgoing = group.ToList();
            for (var i = 0; i < outgoing.Count; i++)
            {
                var e = outgoing[i];
                var (fx, fy) = position[e.From];
                var (tx, ty) = position[e.To];
                var startX = fx + BoxWidth * (i + 1.0) / (outgoing.Count + 1);
                string path;
                double lx, ly;
                if (row0[e.To] > row0[e.From])
                {
                    var (sx, sy, ex, ey) = (startX, fy + BoxHeight, tx + BoxWidth / 2.0, ty);
                    var bend = (ey - sy) / 2;
                    path = F($"M{sx},{sy} C{sx},{sy + bend} {ex},{ey - bend} {ex},{ey - 2}");
                    // The label sits in the first gap below the source, where the arrows have fanned out.
                    (lx, ly) = PointBelow(sx, sy, sx, sy + bend, ex, ey - bend, ex, ey, sy + GapY * 0.55);
                }
                else if (row0[e.To] == row0[e.From])
                {
                    // Sideways within a row: a straight arrow between the facing sides.
                    var leftToRight = tx > fx;
                    var (sx, sy, ex, ey) = (leftToRight ? fx + BoxWidth : fx, fy + BoxHeight / 2.0, leftToRight ? tx : tx + BoxWidth, ty + BoxHeight / 2.0);
                    path = F($"M{sx},{sy} L{ex + (leftToRight ? -2 : 2)},{ey}");
                    (lx, ly) = (leftToRight ? sx + GapX / 2.0 + 10 : sx - GapX / 2.0 - 10, sy - 12);
                }
                else
                {
                    // Back up (retries, repeats): leave from the right edge, loop out to the right, come in from the right.
                    var (sx, sy, ex, ey) = (fx + BoxWidth, fy + BoxHeight * (i + 1.0) / (outgoing.Count + 1), tx + BoxWidth, ty + BoxHeight / 2.0);
                    var reach = 40 + 12 * Math.Abs(row0[e.From] - row0[e.To]);
                    path = F($"M{sx},{sy} C{sx + reach},{sy} {ex + reach},{ey} {ex + 2},{ey}");
                    (lx, ly) = (sx + reach * 0.55, (sy + ey) / 2);
                }
                var dashed = e.Label is "fail" or "failed" ? """ stroke-dasharray="5 4" """ : " ";
                svg.Append(F($"""<path d="{path}" fill="none" stroke="#4a5563" stroke-width="1.4"{dashed}marker-end="url(#arrow)"><title>{X(e.From)} → {X(e.To)} ({X(e.Label.Replace('\n', ',').Replace(",", ", "))})</title></path>"""));
                var lines = e.Label.Split('\n');
                var w = lines.Max(l => l.Length) * CharWidth + 8;
                var h = lines.Length * 14 + 2;
                labels.Append(F($"""<g><rect x="{lx - w / 2}" y="{ly - 9}" width="{w}" height="{h}" rx="3" fill="#ffffff" stroke="#c3cad3"/><text x="{lx}" y="{ly + 3}" text-anchor="middle" fill="#1b1f24">"""));
                for (var l = 0; l < lines.Length; l++) labels.Append(F($"""<tspan x="{lx}" dy="{(l == 0 ? 0 : 14)}">{X(lines[l])}</tspan>"""));
                labels.Append("</text></g>");
            }
        }
        foreach (var step in flow.Steps.Values)
        {
            var (x, y) = position[step.Id];
            var (fill, stroke) = Colours(step.Kind);
            var detail = step.Kind.ToString().ToLowerInvariant() + (step.Action is { } action ? $" · {action}" : step.Settings.GetValueOrDefault("skill") is { } skill ? $" · {skill}" : "");
            var start = step.Id == flow.Start;
            svg.Append(F($"""<g><title>{X(step.Id)}: {X(detail)} (line {step.Line})</title><rect x="{x}" y="{y}" width="{BoxWidth}" height="{BoxHeight}" rx="8" fill="{fill}" stroke="{stroke}" stroke-width="{(start ? 3 : 1.5)}"/>"""));
            svg.Append(F($"""<text x="{x + BoxWidth / 2.0}" y="{y + 20}" text-anchor="middle" font-weight="bold" fill="#1b1f24">{X(Fit(step.Id, 24))}</text>"""));
            svg.Append(F($"""<text x="{x + BoxWidth / 2.0}" y="{y + 37}" text-anchor="middle" fill="#3b434d">{X(Fit(detail, 26))}</text></g>"""));
        }
        svg.Append(labels);
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>Breadth-first layers from the start; within a layer, steps sit under the average place of their parents.</summary>
    private static List<List<string>> Layers(Flow flow, List<Edge> edges)
    {
        var depth = new Dictionary<string, int>(StringComparer.Ordinal) { [flow.Start] = 0 };
        var order = new List<string> { flow.Start };
        var queue = new Queue<string>([flow.Start]);
        while (queue.TryDequeue(out var id))
            foreach (var e in edges.Where(e => e.From == id && !depth.ContainsKey(e.To)))
            {
                depth[e.To] = depth[id] + 1;
                order.Add(e.To);
                queue.Enqueue(e.To);
            }
        var last = depth.Count == 0 ? 0 : depth.Values.Max() + 1;
        foreach (var step in flow.Steps.Values.OrderBy(s => s.Line).Where(s => !depth.ContainsKey(s.Id)))
        {
            depth[step.Id] = last;
            order.Add(step.Id);
        }
        var layers = order.GroupBy(id => depth[id]).OrderBy(g => g.Key).Select(g => g.ToList()).ToList();
        for (var row = 1; row < layers.Count; row++)
        {
            var above = layers[row - 1].Select((id, i) => (id, i)).ToDictionary(x => x.id, x => (double)x.i, StringComparer.Ordinal);
            layers[row] = [.. layers[row].Select((id, i) => (id, i, key: edges.Where(e => e.To == id && above.ContainsKey(e.From)).Select(e => above[e.From]).DefaultIfEmpty(i).Average()))
                .OrderBy(x => x.key).ThenBy(x => x.i).Select(x => x.id)];
        }
        return layers;
    }

    /// <summary>The first point of the cubic Bézier (p0…p3) at or below <paramref name="y"/>.</summary>
    private static (double X, double Y) PointBelow(double x0, double y0, double x1, double y1, double x2, double y2, double x3, double y3, double y)
    {
        for (var t = 0.0; t <= 1.0; t += 0.02)
        {
            var u = 1 - t;
            var py = u * u * u * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3;
            if (py >= y) return (u * u * u * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3, py);
        }
        return (x3, y3);
    }

    private static (string Fill, string Stroke) Colours(StepKind kind) => kind switch
    {
        StepKind.Menu or StepKind.Language => ("#e6f0fa", "#0b4f8a"),
        StepKind.Collect or StepKind.Confirm => ("#e3f4f1", "#0f6b5f"),
        StepKind.Action => ("#f0eafa", "#5b3a9a"),
        StepKind.Say => ("#f4f6f8", "#545d68"),
        StepKind.Route or StepKind.Queue => ("#e3f4ea", "#0f6b3a"),
        StepKind.Callback or StepKind.Message => ("#fff3d6", "#8a5300"),
        _ => ("#fde7e9", "#a3151f"),
    };

    private static string Fit(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static string X(string? text) => SecurityElement.Escape(text ?? "");

    private static string Id(string text) => new([.. text.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
