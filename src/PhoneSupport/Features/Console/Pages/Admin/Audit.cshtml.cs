using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Features.Audit;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Console.Pages.Admin;

/// <summary>The audit log for admins: who changed what and when, before and after, filtered by entity, id and dates (UTC days).</summary>
public sealed class AuditModel(AuditQueries queries) : PageModel
{
    [FromQuery]
    public string? Entity { get; set; }

    [FromQuery(Name = "id")]
    public string? EntityId { get; set; }

    [FromQuery]
    public string? From { get; set; }

    [FromQuery]
    public string? To { get; set; }

    public IReadOnlyList<AuditResource> Items { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var from = Day(From, "From", 0);
        var to = Day(To, "To", 1);
        var errors = new FieldErrors();
        var (query, _) = queries.Filtered(new AuditFilter(Blank(Entity), Blank(EntityId), from, to, "100"), errors);
        if (errors.Any) ConsoleResults.AddTo(Problems.Validation(errors), ModelState, "", ["entity", "id", "from", "to"]);
        if (!ModelState.IsValid || query is null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        Items = [.. (await query.Take(100).ToListAsync(ct)).Select(AuditResource.Of)];
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>A date filter (YYYY-MM-DD, a UTC day) as the instant it starts (<paramref name="plusDays"/> later for an inclusive end).</summary>
    private string? Day(string? text, string key, int plusDays)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parsed = LocalDatePattern.Iso.Parse(text.Trim());
        if (!parsed.Success || !Platform.InputRules.InRange(parsed.Value))
        {
            ModelState.AddModelError(key, $"'{text}' is not a date like 2026-12-05.");
            return null;
        }
        return InstantPattern.ExtendedIso.Format(parsed.Value.PlusDays(plusDays).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant());
    }
}
