using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Policies;
using PhoneSupport.Features.Accounts;
using PhoneSupport.Features.CallCore;

namespace PhoneSupport.Features.Billing;

/// <summary>Why a purchase or a quote was refused: the field it concerns and a sentence for the API or the console.</summary>
public sealed record BillingRefusal(string Field, string Message, bool NotFound = false, bool Forbidden = false);

/// <summary>
/// SmallBusiness/Business phone incidents: bought in business hours (the API, or the caller pressing the option's key
/// after hearing its price), quoted after hours (a technician or finance sends rate × estimated minutes; the customer
/// accepts through the API). Purchases and accepted quotes record who consented to what, and schedule the callback;
/// the incident they open is billed through the same invoice path as any other, on the card on file.
/// </summary>
public sealed class PurchaseService(PhoneSupportDb db, PolicyCatalog policies, Domain.Flows.FlowCatalog flows, CallbackScheduler callbacks, IOptions<BillingOptions> options, IClock clock,
    Audit.AuditLog audit)
{
    /// <summary>
    /// The caller pressed the option's key and the engine bought it (<see cref="Effect.RecordPurchase"/>): recorded in the step's
    /// transaction, once per call (a repeated webhook finds it there).
    /// </summary>
    public async Task RecordOnCallAsync(Effect.RecordPurchase purchase, CancellationToken ct)
    {
        var call = purchase.Call.Value;
        if (await db.Purchases.AsNoTracking().AnyAsync(p => p.CallSid == call, ct)) return;
        db.Purchases.Add(new Purchase(purchase.Id, purchase.Provider, purchase.AccountId, call, "phone", purchase.Window, purchase.Minutes, purchase.Price.Amount,
            purchase.RatePerHour.Amount, purchase.Price.Currency, purchase.PolicyVersion,
            JsonSerializer.Serialize(new { channel = "phone", callSid = call, key = purchase.Option, minutes = purchase.Minutes, price = purchase.Price.Amount }),
            clock.GetCurrentInstant()));
        await db.SaveChangesAsync(ct);
    }

    /// <summary><c>POST /api/purchases</c>: a business-hours phone incident bought in the control panel, and its callback.</summary>
    public async Task<(Purchase? Purchase, BillingRefusal? Refusal)> BuyAsync(Guid accountId, int minutes, string actor, CancellationToken ct)
    {
        var (account, policy, plan, refusal) = await AccountAsync(accountId, ct);
        if (refusal is not null) return (null, refusal);
        if (plan!.PurchaseOptions.Length == 0) return (null, new BillingRefusal("accountId", $"A {account!.Membership} membership does not buy phone incidents."));
        var option = plan.PurchaseOptions.FirstOrDefault(o => o.Minutes == minutes);
        if (option is null) return (null, new BillingRefusal("minutes", $"Must be one of: {string.Join(", ", plan.PurchaseOptions.Select(o => o.Minutes))}."));
        var now = clock.GetCurrentInstant();
        var window = policy!.Coverage.WindowAt(now);
        if (plan.Phone.GetValueOrDefault(window) != PhoneOffer.Purchase)
            return (null, new BillingRefusal("accountId", $"It is {window.Name()} time: phone support is quoted first (POST /api/quotes)."));
        if (account!.StripeCustomerId is null) return (null, new BillingRefusal("accountId", "The account has no card on file (no Stripe customer)."));
        var phone = await PhoneOfAsync(account, ct);
        if (phone is null) return (null, new BillingRefusal("accountId", "The account has no phone number to call back."));

        var rate = plan.RatesPerHour.GetValueOrDefault(window);
        return (await InTransactionAsync(async () =>
        {
            var contact = Contact("AP", account, policy, phone, window, "purchaseRequired", rate, now, $"bought a {minutes}-minute phone incident");
            db.CallEvents.Add(new CallEventRecord(contact.CallSid, now, "consent", JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["channel"] = "api", ["actor"] = actor, ["minutes"] = minutes.ToString(), ["price"] = new Money(option.Price, policy.Currency).Spoken(),
                ["prompt"] = $"POST /api/purchases: {minutes} minutes for {new Money(option.Price, policy.Currency).Spoken()}, time beyond at {new Money(rate, policy.Currency).Spoken()} per hour in {EntitlementEngine.StepText(policy.Billing.Step)} steps",
            })));
            await db.SaveChangesAsync(ct);
            var callback = await callbacks.ScheduleAsync(new CallbackRequest(contact.CallSid, account.Provider, account.Id, phone, null, true, plan.Priority, "purchase"), ct);
            var purchase = new Purchase(Guid.CreateVersion7(), account.Provider, account.Id, contact.CallSid, "api", window.Name(), minutes, option.Price, rate, policy.Currency,
                policy.Version, JsonSerializer.Serialize(new { channel = "api", actor, minutes, price = option.Price }), now) { CallbackId = callback.Id };
            db.Purchases.Add(purchase);
            audit.Record("purchase", purchase.Id, "created", null, new { purchase.AccountId, minutes, price = option.Price, currency = policy.Currency, callbackId = callback.Id });
            await db.SaveChangesAsync(ct);
            return purchase;
        }, ct), null);
    }

    /// <summary><c>POST /api/quotes</c>: after hours, rate × estimated minutes (in the policy's steps), valid for <see cref="BillingOptions.QuoteValidity"/>.</summary>
    public async Task<(Quote? Quote, BillingRefusal? Refusal)> QuoteAsync(Guid accountId, int estimatedMinutes, string? requestCallSid, string actor, CancellationToken ct)
    {
        var (account, policy, plan, refusal) = await AccountAsync(accountId, ct);
        if (refusal is not null) return (null, refusal);
        if (estimatedMinutes is < 1 or > 600) return (null, new BillingRefusal("estimatedMinutes", "Must be between 1 and 600."));
        var now = clock.GetCurrentInstant();
        var window = policy!.Coverage.WindowAt(now);
        if (plan!.Phone.GetValueOrDefault(window) != PhoneOffer.Quote || !plan.RatesPerHour.TryGetValue(window, out var rate))
            return (null, new BillingRefusal("accountId", plan.Phone.GetValueOrDefault(window) == PhoneOffer.Purchase
                ? "It is business hours: phone incidents are bought (POST /api/purchases)."
                : $"A {account!.Membership} membership is not quoted phone support in the {window.Name()} window."));
        if (requestCallSid is not null && !await db.Calls.AnyAsync(c => c.CallSid == requestCallSid && c.AccountId == accountId, ct))
            return (null, new BillingRefusal("requestCallSid", "No call of this account has that sid."));
        var amount = policy.Billing.Price(new Money(rate, policy.Currency), Duration.FromMinutes(estimatedMinutes));
        var quote = new Quote(Guid.CreateVersion7(), account!.Provider, account.Id, window.Name(), estimatedMinutes, rate, amount.Amount, policy.Currency, policy.Version,
            requestCallSid, actor, now, now + Duration.FromTimeSpan(options.Value.QuoteValidity));
        db.Quotes.Add(quote);
        audit.Record("quote", quote.Id, "created", null, new { quote.AccountId, estimatedMinutes, amount = amount.Amount, currency = amount.Currency });
        await db.SaveChangesAsync(ct);
        return (quote, null);
    }

    /// <summary><c>POST /api/quotes/{id}/accept</c>: the customer's consent; schedules the callback (after hours: not held to business hours).</summary>
    public async Task<(Quote? Quote, BillingRefusal? Refusal)> AcceptAsync(Guid quoteId, string actor, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        return await InTransactionAsync<(Quote?, BillingRefusal?)>(async () =>
        {
            var quote = await db.Quotes.FromSql($"select * from quotes where id = {quoteId} for update").SingleOrDefaultAsync(ct);
            if (quote is null) return (null, new BillingRefusal("id", $"No quote '{quoteId}'.", NotFound: true));
            if (quote.StatusAt(now) == "accepted") return (quote, null); // accepting twice changes nothing
            if (quote.StatusAt(now) == "expired") return (null, new BillingRefusal("id", $"The quote expired at {Platform.AdminFormats.Format(quote.ExpiresAt)}; ask for a new one."));
            var (account, policy, plan, refusal) = await AccountAsync(quote.AccountId, ct);
            if (refusal is not null) return (null, refusal);
            if (account!.StripeCustomerId is null) return (null, new BillingRefusal("id", "The account has no card on file (no Stripe customer)."));
            var phone = quote.PhoneNumber ?? await PhoneOfAsync(account, ct); // a quote asked for by phone calls that caller back
            if (phone is null) return (null, new BillingRefusal("id", "The account has no phone number to call back."));
            Domain.Policies.Windows.TryParse(quote.Window, out var window);
            var contact = Contact("AQ", account, policy!, phone, window, "quoteRequired", quote.RatePerHour, now, $"accepted a quote for about {quote.EstimatedMinutes} minutes");
            var rate = new Money(quote.RatePerHour, quote.Currency);
            db.CallEvents.Add(new CallEventRecord(contact.CallSid, now, "consent", JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["channel"] = "api", ["actor"] = actor, ["quoteId"] = quote.Id.ToString(), ["price"] = rate.Spoken() + " per hour",
                ["prompt"] = $"POST /api/quotes/{quote.Id}/accept: {rate.Spoken()} per hour in {EntitlementEngine.StepText(policy!.Billing.Step)} steps, estimated {quote.EstimatedMinutes} minutes ({new Money(quote.Amount ?? 0, quote.Currency).Spoken()})",
            })));
            await db.SaveChangesAsync(ct);
            var within = policy!.CallbackPromise?.Within ?? Duration.FromHours(1);
            var callback = await callbacks.ScheduleAsync(new CallbackRequest(contact.CallSid, account.Provider, account.Id, phone, now + within, false, plan!.Priority, "quote"), ct);
            quote.Accept(actor, contact.CallSid, callback.Id, now);
            audit.Record("quote", quote.Id, "accepted", null, new { callbackId = callback.Id, callSid = contact.CallSid });
            await db.SaveChangesAsync(ct);
            return (quote, null);
        }, ct);
    }

    private CallRecord Contact(string prefix, Account account, SupportPolicy policy, string phone, Window window, string decision, long rate, Instant now, string reason)
    {
        var to = flows.Flows.FirstOrDefault(f => f.Provider == account.Provider)?.Numbers[0] ?? phone;
        var entitlement = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["decision"] = decision, ["window"] = window.Name(), ["policyVersion"] = policy.Version, ["ratePerHour"] = rate.ToString(), ["currency"] = policy.Currency,
            ["reason"] = $"{account.Name} {reason} through the API",
        });
        var contact = CallRecord.ApiContact(prefix, account.Provider, phone, to, account.Id, new Dictionary<string, string>
        {
            ["accountName"] = account.Name, ["membership"] = account.Membership, ["decision"] = decision, ["window"] = window.Name(),
            ["price"] = $"{new Money(rate, policy.Currency).Spoken()} per hour",
        }, entitlement, now);
        db.Calls.Add(contact);
        return contact;
    }

    private async Task<(Account?, SupportPolicy?, Plan?, BillingRefusal?)> AccountAsync(Guid accountId, CancellationToken ct)
    {
        var account = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null) return (null, null, null, new BillingRefusal("accountId", $"No account '{accountId}'.", NotFound: true));
        var policy = policies.For(account.Provider);
        var plan = policy?.Plan(account.Membership);
        if (policy is null || plan is null) return (account, policy, plan, new BillingRefusal("accountId", $"No policy plan for {account.Provider} {account.Membership}."));
        return (account, policy, plan, null);
    }

    private Task<string?> PhoneOfAsync(Account account, CancellationToken ct) =>
        db.AccountPhoneNumbers.AsNoTracking().Where(p => p.AccountId == account.Id).OrderBy(p => p.PhoneNumber).Select(p => p.PhoneNumber).FirstOrDefaultAsync(ct);

    private async Task<T> InTransactionAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var result = await work();
            await tx.CommitAsync(ct);
            return result;
        });
    }
}
