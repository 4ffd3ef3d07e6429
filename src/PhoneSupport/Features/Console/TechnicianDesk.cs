using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Features.Admin;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Features.Callbacks;
using PhoneSupport.Features.Routing;

namespace PhoneSupport.Features.Console;

/// <summary>
/// The call a technician holds now, with what the caller is entitled to (the decision stored with the call) and, for a plan with
/// response targets, its SLA record (<see cref="SlaLeft"/>: time left on the record's clock).
/// </summary>
public sealed record LiveCall(
    string CallSid, string Kind, string From, string? AccountName, string? Membership, string? ContractNumber, string? Decision,
    string? Window, string? Reason, string? Rate, bool UsesIncluded, Instant Since,
    Sla.SlaRecord? Sla = null, Duration? SlaLeft = null, bool? SlaMet = null);

/// <summary>
/// A callback in the queue: time left on its SLA clock (negative when overdue) and whether it is at risk. <see cref="Clock"/> is its SLA
/// record's (<c>coverage</c>: only coverage hours count in <see cref="Left"/>), null without one (the wall clock).
/// </summary>
public sealed record QueuedCallback(
    Guid Id, string Provider, string? AccountName, string PhoneNumber, string Reason, string Status, Instant DueAt, Instant NotBefore,
    Duration Left, bool AtRisk, bool Overdue, bool WindowOpen, int Attempts, string? Clock = null);

public sealed record TechnicianView(TechnicianResource Technician, LiveCall? Call, IReadOnlyList<QueuedCallback> Queue, Instant Now)
{
    /// <summary>New (not yet handled) messages of the technician's providers, oldest first.</summary>
    public IReadOnlyList<DeskMessage> Messages { get; init; } = [];

    /// <summary>Quotes callers asked for by phone that wait for a price.</summary>
    public IReadOnlyList<DeskQuote> Quotes { get; init; } = [];

    /// <summary>While on a live call: the colleagues of the technician's lines it can be transferred to (decision 013).</summary>
    public IReadOnlyList<DeskColleague> Colleagues { get; init; } = [];

    /// <summary>The call the technician finished last, and the disposition they gave it (asked for in wrap-up until given).</summary>
    public DeskLastCall? LastCall { get; init; }
}

/// <summary>A colleague a live call can be transferred to, with their state now.</summary>
public sealed record DeskColleague(Guid Id, string Name, TechnicianStatus Status);

/// <summary>The technician's last finished call: its incident and the disposition they recorded on it (null: not yet).</summary>
public sealed record DeskLastCall(string CallSid, string From, string? AccountName, Guid? IncidentId, string? Disposition);

/// <summary>A caller's message on the desk: who, when, the recording to play and the callback it promised.</summary>
public sealed record DeskMessage(Guid Id, string Provider, string From, string? AccountName, string? RecordingUrl, int? DurationSeconds, Instant ReceivedAt,
    Instant? CallbackDueAt, bool Quote);

/// <summary>A quote asked for by phone, waiting for its estimate: the caller, the window and rate they heard.</summary>
public sealed record DeskQuote(Guid Id, string? AccountName, string PhoneNumber, string Window, long RatePerHour, string Currency, Instant RequestedAt);

/// <summary>
/// What a technician sees and does in the console: their state (set through <see cref="TechniciansHandler"/>, as the
/// API does), their rota, the call they are on, the callback queue of their providers, and "call back now"
/// (<see cref="CallbackDispatcher.DispatchChosenAsync"/>).
/// </summary>
public sealed class TechnicianDesk(
    PhoneSupportDb db, TechniciansHandler technicians, CallbackDispatcher dispatcher, Domain.Policies.PolicyCatalog policies,
    IOptions<ConsoleOptions> options, IClock clock, Messages.MessageService messages, Billing.PhoneQuoteService quotes, Calls.IncidentNotes notes,
    Calls.CallHistory history)
{
    public static Guid? TechnicianOf(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(StaffSignIn.TechnicianClaim), out var id) ? id : null;

    /// <summary>A signed-in staff user as a reader of call history: technicians read (and annotate) what they worked, others everything.</summary>
    public static Calls.CallViewer CallViewerOf(ClaimsPrincipal user) =>
        new(user.IsInRole(StaffRoles.Technician) && !user.IsInRole(StaffRoles.Admin), TechnicianOf(user), user.Identity?.Name ?? "console");

    public async Task<TechnicianView?> ViewAsync(Guid technicianId, CancellationToken ct)
    {
        if (await technicians.ReadAsync(technicianId, ct) is not { } technician) return null;
        var call = technician.ReservedCallSid is { } sid ? await LiveCallAsync(sid, ct) : null;
        var queue = await QueueAsync(technician.Providers, ct);
        var providers = technician.Providers.ToArray();
        var colleagues = call is { Kind: "inbound" }
            ? await db.Technicians.AsNoTracking().Where(t => t.Id != technicianId && t.Providers.Any(p => providers.Contains(p)))
                .OrderBy(t => t.Name).Select(t => new DeskColleague(t.Id, t.Name, t.Status)).ToListAsync(ct)
            : [];
        return new TechnicianView(technician, call, queue, clock.GetCurrentInstant())
        {
            Messages = await MessagesAsync(technician.Providers, ct), Quotes = await RequestedQuotesAsync(technician.Providers, ct),
            Colleagues = colleagues,
            LastCall = call is null ? await LastCallAsync(technicianId, ct) : null,
        };
    }

    /// <summary>The call the technician finished last, with the disposition they last recorded on its incident.</summary>
    public async Task<DeskLastCall?> LastCallAsync(Guid technicianId, CancellationToken ct)
    {
        if (await notes.LastFinishedCallAsync(technicianId, ct) is not { } sid) return null;
        var call = await db.Calls.AsNoTracking().Where(c => c.CallSid == sid)
            .Select(c => new { c.FromNumber, Account = db.Accounts.Where(a => a.Id == c.AccountId).Select(a => a.Name).FirstOrDefault() }).FirstOrDefaultAsync(ct);
        if (call is null) return null;
        var incident = await history.IncidentOfAsync(sid, ct);
        var disposition = incident is null ? null : await db.IncidentNotes.AsNoTracking()
            .Where(n => n.IncidentId == incident.Id && n.TechnicianId == technicianId && n.Disposition != null)
            .OrderByDescending(n => n.CreatedAt).Select(n => n.Disposition).FirstOrDefaultAsync(ct);
        return new DeskLastCall(sid, call.FromNumber, call.Account, incident?.Id, disposition);
    }

    /// <summary>The wrap-up disposition (with an optional note) on the incident of the technician's last call, by the notes' rules.</summary>
    public async Task<string?> RecordDispositionAsync(Guid technicianId, string? disposition, string? text, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Domain.Desk.Dispositions.IsKnown(disposition)) return "Choose a disposition for your last call.";
        if (await LastCallAsync(technicianId, ct) is not { IncidentId: { } incident }) return "Your last call has no incident to record a disposition on.";
        var note = string.IsNullOrWhiteSpace(text) ? $"Wrap-up: {Domain.Desk.Dispositions.Words(disposition!)}." : text;
        var (outcome, _, _, why) = await notes.AddAsync(incident, note, disposition, CallViewerOf(user), ct);
        return outcome == Calls.NoteOutcome.Added ? null : why ?? "The disposition was not saved.";
    }

    /// <summary>New messages of the given providers, oldest first, with the due time of the callback each promised.</summary>
    public async Task<List<DeskMessage>> MessagesAsync(IReadOnlyList<string> providers, CancellationToken ct) =>
        await (from m in db.Messages.AsNoTracking()
               where m.Status == Messages.MessageStatus.New && providers.Contains(m.Provider)
               join a in db.Accounts on m.AccountId equals a.Id into accounts
               from a in accounts.DefaultIfEmpty()
               join c in db.Callbacks on m.CallbackId equals c.Id into callbacks
               from c in callbacks.DefaultIfEmpty()
               orderby m.Id
               select new DeskMessage(m.Id, m.Provider, m.FromNumber, a == null ? null : a.Name, m.RecordingUrl, m.DurationSeconds, m.ReceivedAt,
                   c == null ? null : c.DueAt, m.QuoteId != null)).Take(100).ToListAsync(ct);

    /// <summary>Quotes asked for by phone and not priced yet, oldest first.</summary>
    public async Task<List<DeskQuote>> RequestedQuotesAsync(IReadOnlyList<string> providers, CancellationToken ct) =>
        await (from q in db.Quotes.AsNoTracking()
               where q.Status == "requested" && providers.Contains(q.Provider)
               join a in db.Accounts on q.AccountId equals a.Id
               orderby q.CreatedAt, q.Id
               select new DeskQuote(q.Id, a.Name, q.PhoneNumber ?? "", q.Window, q.RatePerHour, q.Currency, q.CreatedAt)).Take(100).ToListAsync(ct);

    public Task<Messages.Message?> MarkHandledAsync(Guid messageId, ClaimsPrincipal user, CancellationToken ct) =>
        messages.MarkHandledAsync(messageId, user.Identity?.Name ?? "console", ct);

    public Task<(Billing.Quote? Quote, Billing.BillingRefusal? Refusal)> PriceQuoteAsync(Guid quoteId, int estimatedMinutes, ClaimsPrincipal user, CancellationToken ct) =>
        quotes.PriceAsync(quoteId, estimatedMinutes, user.Identity?.Name ?? "console", ct);

    /// <summary>Open callbacks of the given providers, most urgent due time first.</summary>
    public async Task<List<QueuedCallback>> QueueAsync(IReadOnlyList<string>? providers, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var query = db.Callbacks.AsNoTracking().Where(c => c.Status == CallbackStatus.Scheduled || c.Status == CallbackStatus.Dialing);
        if (providers is not null) query = query.Where(c => providers.Contains(c.Provider));
        var rows = await (from c in query
                          join a in db.Accounts on c.AccountId equals a.Id into accounts
                          from a in accounts.DefaultIfEmpty()
                          join r in db.SlaRecords on c.CallSid equals r.CallSid into slas
                          from r in slas.DefaultIfEmpty()
                          orderby c.DueAt, c.Id
                          select new { Callback = c, Account = a == null ? null : a.Name, Clock = r == null ? null : r.Clock }).Take(200).ToListAsync(ct);
        var atRiskWithin = Duration.FromTimeSpan(options.Value.AtRiskWithin);
        return [.. rows.Select(r =>
        {
            var c = r.Callback;
            // Time on the SLA clock: a coverage-clock callback promised Thursday 18:00, due Friday 10:00, has 3 hours left at Thursday 19:00.
            var left = r.Clock == "coverage" && policies.For(c.Provider) is { } policy
                ? Domain.Policies.SlaRecordRules.Left(Domain.Policies.ClockKind.Coverage, policy.Coverage, now, c.DueAt)
                : c.DueAt - now;
            var open = c.NotBefore <= now && (!c.CoverageOnly || policies.For(c.Provider)?.Coverage.IsCovered(now) != false);
            return new QueuedCallback(c.Id, c.Provider, r.Account, c.PhoneNumber, c.Reason, c.Status.Wire(), c.DueAt, c.NotBefore, left,
                c.AtRisk || left <= atRiskWithin, left < Duration.Zero, open, c.Attempts, r.Clock);
        })];
    }

    /// <summary>Available or offline, through the admin API's handler (its rules and its event log), as the signed-in user.</summary>
    public async Task<string?> SetAvailabilityAsync(Guid technicianId, string status, ClaimsPrincipal user, CancellationToken ct)
    {
        var result = await technicians.SetAvailabilityAsync(technicianId.ToString(), new SetAvailabilityRequest(status), user, ct);
        return ConsoleResults.Problem(result.Result) is { } problem ? problem.Detail : null;
    }

    public Task<ChosenDispatch> CallBackNowAsync(Guid callbackId, Guid technicianId, CancellationToken ct) =>
        dispatcher.DispatchChosenAsync(callbackId, technicianId, ct);

    /// <summary>The provider of a callback (its zone reads a due time typed on the desk); null when there is no such callback.</summary>
    public Task<string?> ProviderOfCallbackAsync(Guid callbackId, CancellationToken ct) =>
        db.Callbacks.Where(c => c.Id == callbackId).Select(c => c.Provider).FirstOrDefaultAsync(ct);

    private async Task<LiveCall?> LiveCallAsync(string sid, CancellationToken ct)
    {
        if (sid.StartsWith("cb-", StringComparison.Ordinal) && Guid.TryParseExact(sid[3..], "N", out var callbackId))
        {
            var callback = await db.Callbacks.AsNoTracking().FirstOrDefaultAsync(c => c.Id == callbackId, ct);
            return callback is null ? null : await FromCallAsync(callback.CallSid, "callback", callback.PhoneNumber, callback.UpdatedAt, ct);
        }
        return await FromCallAsync(sid, "inbound", null, null, ct);
    }

    private async Task<LiveCall?> FromCallAsync(string callSid, string kind, string? phone, Instant? since, CancellationToken ct)
    {
        var call = await db.Calls.AsNoTracking().FirstOrDefaultAsync(c => c.CallSid == callSid, ct);
        if (call is null) return null;
        var account = call.AccountId is { } id ? await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) : null;
        var facts = JsonSerializer.Deserialize<Dictionary<string, string?>>(call.Entitlement ?? "{}") ?? [];
        var vars = JsonSerializer.Deserialize<Dictionary<string, string>>(call.Vars) ?? [];
        var rate = facts.GetValueOrDefault("ratePerHour") is { } r && long.TryParse(r, out var minor)
            ? $"{ConsoleFormat.Money(minor, facts.GetValueOrDefault("currency") ?? "usd")} per hour" : null;
        var sla = await db.SlaRecords.AsNoTracking().FirstOrDefaultAsync(r => r.CallSid == callSid, ct);
        var now = clock.GetCurrentInstant();
        var left = sla is not null && policies.For(sla.Provider) is { } policy
            ? Domain.Policies.SlaRecordRules.Left(sla.ClockKind, policy.Coverage, now, sla.DueAt) : (Duration?)null;
        return new LiveCall(callSid, kind, phone ?? call.FromNumber, account?.Name, account?.Membership, vars.GetValueOrDefault("contractNumber"),
            facts.GetValueOrDefault("decision"), facts.GetValueOrDefault("window"), facts.GetValueOrDefault("reason"), rate,
            facts.GetValueOrDefault("usesIncluded") == "true", since ?? call.StartedAt, sla, left, sla?.MetAt(now));
    }
}
