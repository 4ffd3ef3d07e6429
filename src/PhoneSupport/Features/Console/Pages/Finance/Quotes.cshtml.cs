using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Billing;

namespace PhoneSupport.Features.Console.Pages.Finance;

/// <summary>Quotes for finance: those asked for by phone wait for a price (priced here, texted once to the caller), the others show how they went.</summary>
public sealed class QuotesModel(PhoneSupportDb db, PhoneQuoteService quotes, IClock clock) : PageModel
{
    public sealed record Row(Guid Id, string AccountName, string? PhoneNumber, string Window, long RatePerHour, long? Amount, int? EstimatedMinutes, string Currency,
        string Status, string CreatedBy, Instant CreatedAt, Instant? SentAt);

    public IReadOnlyList<Row> Rows { get; private set; } = [];

    public string? Notice { get; private set; }

    public bool NoticeIsError { get; private set; }

    public async Task OnGetAsync([FromQuery] string? done, [FromQuery] string? error, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var rows = await (from q in db.Quotes.AsNoTracking()
                          join a in db.Accounts on q.AccountId equals a.Id
                          orderby q.CreatedAt descending, q.Id descending
                          select new { Quote = q, a.Name }).Take(100).ToListAsync(ct);
        Rows = [.. rows.Select(r => new Row(r.Quote.Id, r.Name, r.Quote.PhoneNumber, r.Quote.Window, r.Quote.RatePerHour, r.Quote.Amount, r.Quote.EstimatedMinutes,
            r.Quote.Currency, r.Quote.StatusAt(now), r.Quote.CreatedBy, r.Quote.CreatedAt, r.Quote.SentAt))];
        (Notice, NoticeIsError) = error is { Length: > 0 } ? (error, true) : done == "quoted" ? ("The quote is priced and texted to the caller.", false) : (null, false);
    }

    public async Task<IActionResult> OnPostPriceAsync([FromForm] Guid quoteId, [FromForm] int? estimatedMinutes, CancellationToken ct)
    {
        if (estimatedMinutes is null) return Redirect($"/console/finance/quotes?error={Uri.EscapeDataString("Enter the estimated minutes (1 to 600).")}");
        var (_, refusal) = await quotes.PriceAsync(quoteId, estimatedMinutes.Value, User.Identity?.Name ?? "console", ct);
        return refusal is null ? Redirect("/console/finance/quotes?done=quoted") : Redirect($"/console/finance/quotes?error={Uri.EscapeDataString(refusal.Message)}");
    }
}
