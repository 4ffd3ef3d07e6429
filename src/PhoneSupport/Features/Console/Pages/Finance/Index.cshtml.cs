using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime.Text;
using PhoneSupport.Data;
using PhoneSupport.Domain.Billing;
using PhoneSupport.Features.Admin;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Console.Pages.Finance;

/// <summary>
/// Charges with filters (period, account, status), totals per account and month, CSV export. Everything goes through
/// the finance API's handler (<see cref="ChargesHandler"/>, over the billing read side), so the filters are checked once.
/// </summary>
public sealed class FinanceModel(ChargesHandler charges, PhoneSupportDb db) : PageModel
{
    [FromQuery(Name = "from")] public string? From { get; set; }
    [FromQuery(Name = "to")] public string? To { get; set; }
    [FromQuery(Name = "account")] public string? Account { get; set; }
    [FromQuery(Name = "status")] public string? Status { get; set; }
    [FromQuery(Name = "cursor")] public string? Cursor { get; set; }

    public IReadOnlyList<ChargeResource> Charges { get; private set; } = [];
    public IReadOnlyList<ChargeTotalResource> Totals { get; private set; } = [];
    public Dictionary<Guid, string> Accounts { get; private set; } = [];
    public Dictionary<string, string[]> Errors { get; private set; } = [];
    public string? NextUrl { get; private set; }
    public string CsvUrl => "/console/finance/charges.csv" + QueryString(null);

    public async Task OnGetAsync(CancellationToken ct)
    {
        Accounts = await db.Accounts.AsNoTracking().OrderBy(a => a.Name).ToDictionaryAsync(a => a.Id, a => a.Name, ct);
        var query = Query(From, To, Account, Status, "50", Cursor);
        var list = (await charges.ListAsync(query, ct)).Result;
        if (list is Ok<Page<ChargeResource>> ok)
        {
            Charges = ok.Value!.Items;
            NextUrl = ok.Value.Next is { } next ? "/console/finance" + QueryString(next) : null;
        }
        else Collect(list);
        var totals = (await charges.TotalsAsync(query.From, query.To, ct)).Result;
        if (totals is Ok<Page<ChargeTotalResource>> sums)
            Totals = [.. sums.Value!.Items.Where(t => Guid.TryParse(Account, out var a) ? t.AccountId == a : true)];
        else Collect(totals);
        if (Errors.Count > 0) Response.StatusCode = StatusCodes.Status400BadRequest;
    }

    public bool HasError(string field) => Errors.ContainsKey(field);

    public string? ErrorOf(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    public static string StatusClass(string status) => status switch
    {
        ChargeStatus.Paid => "ok",
        ChargeStatus.Failed => "bad",
        ChargeStatus.Waived or ChargeStatus.Voided or ChargeStatus.Refunded => "s-offline",
        _ => "warn",
    };

    /// <summary>
    /// The page's dates as the API's instants: a day starts at 00:00 UTC, and "to" is inclusive (the next day's start).
    /// Anything else is passed on as typed, so the API's own message explains it next to the field.
    /// </summary>
    internal static ChargeQuery Query(string? from, string? to, string? account, string? status, string? limit, string? cursor) =>
        new(Day(from, 0), Day(to, 1), Blank(status), Blank(account), limit, Blank(cursor));

    private static string? Day(string? text, int plusDays)
    {
        if (Blank(text) is not { } value) return null;
        var date = LocalDatePattern.Iso.Parse(value);
        return date.Success && Features.Platform.InputRules.InRange(date.Value) ? InstantPattern.ExtendedIso.Format(date.Value.PlusDays(plusDays).AtMidnight().InUtc().ToInstant()) : value;
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private void Collect(IResult result)
    {
        if (ConsoleResults.Problem(result) is HttpValidationProblemDetails validation)
            foreach (var (field, messages) in validation.Errors) Errors[field] = messages;
    }

    private string QueryString(string? cursor)
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value)) parts.Add($"{name}={Uri.EscapeDataString(value)}");
        }
        Add("from", From);
        Add("to", To);
        Add("account", Account);
        Add("status", Status);
        Add("cursor", cursor);
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }
}
