using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using NodaTime.Text;
using PhoneSupport.Data;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.CallCore;
using PhoneSupport.Twilio.Rest;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// Quotes requested by phone: the caller (after hours, SmallBusiness/Business) asks for one and leaves a message; the
/// request is a <c>requested</c> quote with the window and rate they heard. A technician or finance prices it
/// (<c>POST /api/quotes/{id}/price</c>), which texts it to the caller through Twilio's Messages API — exactly once: the
/// sending request first claims the quote in one row update (<c>sms_claimed_at</c>), then stores the message sid. The
/// caller accepts by replying YES (<c>POST /twilio/sms</c>), or staff accept it through the API; accepting schedules the
/// callback as for any quote.
/// </summary>
public sealed class PhoneQuoteService(
    PhoneSupportDb db, PolicyCatalog policies, Domain.Flows.FlowCatalog flows, PurchaseService purchases, ITwilioRestClient twilio, IOptions<BillingOptions> options,
    IClock clock, ILogger<PhoneQuoteService> logger, Audit.AuditLog audit)
{
    public const string AcceptWord = "YES";

    private static readonly LocalDateTimePattern Until = LocalDateTimePattern.CreateWithInvariantCulture("ddd d MMM HH:mm");

    /// <summary>The caller asked for a quote on this call (idempotent per call): its id.</summary>
    public async Task<Guid> RequestByPhoneAsync(string callSid, Guid accountId, string phoneNumber, CancellationToken ct)
    {
        if (await ExistingAsync(callSid, ct) is { } existing) return existing;
        var call = await db.Calls.AsNoTracking().FirstAsync(c => c.CallSid == callSid, ct);
        var facts = JsonSerializer.Deserialize<Dictionary<string, string>>(call.Entitlement ?? "{}")!;
        var policy = policies.Decided(call.Provider, facts.GetValueOrDefault("policyVersion"), call.StartedAt) ?? throw new InvalidOperationException($"No policy for {call.Provider}.");
        var now = clock.GetCurrentInstant();
        var quote = Quote.RequestedByPhone(Guid.CreateVersion7(), call.Provider, accountId, facts.GetValueOrDefault("window") ?? "night",
            long.TryParse(facts.GetValueOrDefault("ratePerHour"), CultureInfo.InvariantCulture, out var rate) ? rate : 0,
            facts.GetValueOrDefault("currency") ?? policy.Currency, facts.GetValueOrDefault("policyVersion") ?? policy.Version, callSid, phoneNumber,
            now, now + Duration.FromTimeSpan(options.Value.QuoteValidity));
        db.Quotes.Add(quote);
        try
        {
            await db.SaveChangesAsync(ct);
            return quote.Id;
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear(); // the same request handled twice at once: one quote
            return (await ExistingAsync(callSid, ct))!.Value;
        }
    }

    /// <summary>
    /// <c>POST /api/quotes/{id}/price</c>: rate × estimated minutes (in the policy's steps), then the SMS. Pricing a quote
    /// already sent with the same minutes answers it unchanged (a repeated request sends nothing).
    /// </summary>
    public async Task<(Quote? Quote, BillingRefusal? Refusal)> PriceAsync(Guid quoteId, int estimatedMinutes, string actor, CancellationToken ct)
    {
        if (estimatedMinutes is < 1 or > 600) return (null, new BillingRefusal("estimatedMinutes", "Must be between 1 and 600."));
        var now = clock.GetCurrentInstant();
        var strategy = db.Database.CreateExecutionStrategy();
        var (quote, refusal) = await strategy.ExecuteAsync<(Quote?, BillingRefusal?)>(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var locked = await db.Quotes.FromSql($"select * from quotes where id = {quoteId} for update").SingleOrDefaultAsync(ct);
            if (locked is null) return (null, new BillingRefusal("id", $"No quote '{quoteId}'.", NotFound: true));
            if (locked.CreatedBy != "phone" || locked.PhoneNumber is null)
                return (null, new BillingRefusal("id", "Only quotes requested by phone are priced here; this one was created with its price (POST /api/quotes)."));
            if (locked.Status is not ("requested" or "priced"))
                return locked.EstimatedMinutes == estimatedMinutes ? (locked, null)
                    : (null, new BillingRefusal("id", $"The quote is {locked.StatusAt(now)} already for {locked.EstimatedMinutes} minutes; ask for a new one."));
            // Priced already with these minutes (a repeated or concurrent request): nothing to change; the send below is claimed once.
            if (locked.Status == "priced" && locked.EstimatedMinutes == estimatedMinutes) return (locked, null);
            if (locked.SmsClaimedAt is not null)
                return (null, new BillingRefusal("id", $"The quote for {locked.EstimatedMinutes} minutes is being texted to the caller."));
            var policy = policies.Decided(locked.Provider, locked.PolicyVersion, locked.CreatedAt) ?? throw new InvalidOperationException($"No policy for {locked.Provider}.");
            var amount = policy.Billing.Price(new Money(locked.RatePerHour, locked.Currency), Duration.FromMinutes(estimatedMinutes));
            locked.Price(estimatedMinutes, amount.Amount, actor, now, now + Duration.FromTimeSpan(options.Value.QuoteValidity));
            db.CallEvents.Add(new CallEventRecord(locked.RequestedCallSid!, now, "quotePriced", JsonSerializer.Serialize(new
            {
                quoteId = locked.Id, actor, estimatedMinutes, amount = amount.Amount, currency = amount.Currency,
            })));
            audit.Record("quote", locked.Id, "priced", null, new { estimatedMinutes, amount = amount.Amount, currency = amount.Currency });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return (locked, null);
        });
        if (refusal is not null) return (null, refusal);
        if (quote!.Status == "priced") await SendAsync(quote.Id, ct);
        db.ChangeTracker.Clear();
        return (await db.Quotes.AsNoTracking().FirstAsync(q => q.Id == quoteId, ct), null);
    }

    /// <summary>
    /// Texts a priced quote to the caller, once: only the request whose row update claims it asks Twilio. A refused send
    /// (Twilio answered an error) releases the claim so a later price request can try again; an unknown outcome keeps it
    /// (the caller may have the SMS; a second one would not be "exactly once").
    /// </summary>
    private async Task SendAsync(Guid quoteId, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var claimed = await db.Quotes.Where(q => q.Id == quoteId && q.Status == "priced" && q.SmsClaimedAt == null)
            .ExecuteUpdateAsync(q => q.SetProperty(x => x.SmsClaimedAt, now), ct);
        if (claimed == 0) return;
        var quote = await db.Quotes.AsNoTracking().FirstAsync(q => q.Id == quoteId, ct);
        var policy = policies.For(quote.Provider) ?? throw new InvalidOperationException($"No policy for {quote.Provider}.");
        var from = flows.Flows.First(f => f.Provider == quote.Provider).Numbers[0];
        MessageResource sent;
        try
        {
            sent = await twilio.CreateMessageAsync(new CreateMessageOptions(quote.PhoneNumber!) { From = from, Body = SmsText(quote, policy) }, ct);
        }
        catch (TwilioApiException e)
        {
            logger.LogWarning(e, "The quote SMS for quote {Quote} was refused; it stays priced and can be sent again", quote.Id);
            await db.Quotes.Where(q => q.Id == quoteId).ExecuteUpdateAsync(q => q.SetProperty(x => x.SmsClaimedAt, (Instant?)null), CancellationToken.None);
            return;
        }
        catch (Exception e) when (e is TwilioCreateOutcomeUnknownException or HttpRequestException)
        {
            logger.LogWarning(e, "The quote SMS for quote {Quote} has an unknown outcome; it is not sent again", quote.Id);
            return;
        }
        var at = clock.GetCurrentInstant();
        await db.Quotes.Where(q => q.Id == quoteId && q.Status == "priced")
            .ExecuteUpdateAsync(q => q.SetProperty(x => x.Status, "sent").SetProperty(x => x.SmsSid, sent.Sid).SetProperty(x => x.SentAt, at), CancellationToken.None);
        db.CallEvents.Add(new CallEventRecord(quote.RequestedCallSid!, at, "quoteSent", JsonSerializer.Serialize(new { quoteId = quote.Id, smsSid = sent.Sid })));
        await db.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>
    /// An SMS to one of our numbers (<c>POST /twilio/sms</c>): "YES" from a number with a sent, unexpired quote accepts
    /// the newest one, as if accepted through the API. Answers the reply to text back.
    /// </summary>
    public async Task<string?> ReplyAsync(string? from, string? body, CancellationToken ct)
    {
        if (from is null || !string.Equals(body?.Trim().TrimEnd('.', '!'), AcceptWord, StringComparison.OrdinalIgnoreCase)) return null;
        var now = clock.GetCurrentInstant();
        var quote = await db.Quotes.AsNoTracking().Where(q => q.PhoneNumber == from && q.Status == "sent" && q.ExpiresAt > now)
            .OrderByDescending(q => q.SentAt).FirstOrDefaultAsync(ct);
        if (quote is null) return "We have no open quote for this number. Please call us again.";
        var (accepted, refusal) = await purchases.AcceptAsync(quote.Id, $"sms:{from}", ct);
        if (refusal is not null) return $"We could not accept the quote: {refusal.Message}";
        var due = accepted!.CallbackId is { } callbackId ? await db.Callbacks.AsNoTracking().Where(c => c.Id == callbackId).Select(c => (Instant?)c.DueAt).FirstOrDefaultAsync(ct) : null;
        var zone = policies.For(quote.Provider)?.Coverage.Zone ?? DateTimeZone.Utc;
        return due is { } d ? $"Quote accepted. A technician will call you back by {Until.Format(d.InZone(zone).LocalDateTime)}." : "Quote accepted.";
    }

    private static string SmsText(Quote quote, SupportPolicy policy)
    {
        var rate = new Money(quote.RatePerHour, quote.Currency);
        var amount = new Money(quote.Amount ?? 0, quote.Currency);
        var until = Until.Format(quote.ExpiresAt.InZone(policy.Coverage.Zone).LocalDateTime);
        return $"{policy.Name}: your phone support quote is {amount} for about {quote.EstimatedMinutes} minutes ({rate} per hour, billed in half-hour steps "
            + $"to the card on file). Reply {AcceptWord} to accept by {until} and a technician calls you back.";
    }

    private Task<Guid?> ExistingAsync(string callSid, CancellationToken ct) =>
        db.Quotes.AsNoTracking().Where(q => q.RequestedCallSid == callSid && q.CreatedBy == "phone").Select(q => (Guid?)q.Id).FirstOrDefaultAsync(ct);
}
