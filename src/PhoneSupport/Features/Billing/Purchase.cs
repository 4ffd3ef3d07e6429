using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// A phone incident bought by a SmallBusiness/Business account (table <c>purchases</c>), through the API or over the
/// phone after hearing the price. <see cref="CallSid"/> is the call it was bought on, or the API contact recorded for it;
/// its incident is that call's. <see cref="Consent"/> says who agreed to what, when.
/// </summary>
public sealed class Purchase
{
    private Purchase() { }

    public Purchase(Guid id, string provider, Guid accountId, string callSid, string channel, string window, int minutes, long price,
        long ratePerHour, string currency, string policyVersion, string consent, Instant now)
    {
        Id = id;
        Provider = provider;
        AccountId = accountId;
        CallSid = callSid;
        Channel = channel;
        Window = window;
        Minutes = minutes;
        Price = price;
        RatePerHour = ratePerHour;
        Currency = currency;
        PolicyVersion = policyVersion;
        Consent = consent;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public string Provider { get; private set; } = "";
    public Guid AccountId { get; private set; }
    public string CallSid { get; private set; } = "";
    /// <summary><c>api</c> or <c>phone</c>.</summary>
    public string Channel { get; private set; } = "";
    public string Window { get; private set; } = "";
    public int Minutes { get; private set; }
    public long Price { get; private set; }
    public long RatePerHour { get; private set; }
    public string Currency { get; private set; } = "";
    public string PolicyVersion { get; private set; } = "";
    public string Consent { get; private set; } = "{}";
    public Guid? CallbackId { get; set; }
    public Instant CreatedAt { get; private set; }
}

/// <summary>
/// An after-hours quote (table <c>quotes</c>): the window's rate × the estimated minutes, sent by a technician or
/// finance, accepted by the customer through the API; accepting records the consent and schedules the callback.
/// </summary>
public sealed class Quote
{
    private Quote() { }

    public Quote(Guid id, string provider, Guid accountId, string window, int estimatedMinutes, long ratePerHour, long amount, string currency,
        string policyVersion, string? requestedCallSid, string createdBy, Instant now, Instant expiresAt)
    {
        Id = id;
        Provider = provider;
        AccountId = accountId;
        Window = window;
        EstimatedMinutes = estimatedMinutes;
        RatePerHour = ratePerHour;
        Amount = amount;
        Currency = currency;
        PolicyVersion = policyVersion;
        Status = "sent";
        RequestedCallSid = requestedCallSid;
        CreatedBy = createdBy;
        CreatedAt = now;
        ExpiresAt = expiresAt;
    }

    public Guid Id { get; private set; }
    public string Provider { get; private set; } = "";
    public Guid AccountId { get; private set; }
    public string Window { get; private set; } = "";
    /// <summary>Null while a phone request is not priced yet.</summary>
    public int? EstimatedMinutes { get; private set; }
    public long RatePerHour { get; private set; }
    /// <summary>Null while a phone request is not priced yet.</summary>
    public long? Amount { get; private set; }
    public string Currency { get; private set; } = "";
    public string PolicyVersion { get; private set; } = "";
    /// <summary><c>requested</c> (by phone), <c>priced</c>, <c>sent</c>, <c>accepted</c> or <c>expired</c>.</summary>
    public string Status { get; private set; } = "sent";
    public string? RequestedCallSid { get; private set; }
    public string CreatedBy { get; private set; } = "";
    public Instant CreatedAt { get; private set; }
    public Instant ExpiresAt { get; private set; }
    public Instant? AcceptedAt { get; private set; }
    public string? AcceptedBy { get; private set; }
    /// <summary>The contact recorded at acceptance: its incident is the quoted one.</summary>
    public string? CallSid { get; private set; }
    public Guid? CallbackId { get; private set; }

    /// <summary>The caller's number a phone request is texted to.</summary>
    public string? PhoneNumber { get; private set; }
    public Instant? PricedAt { get; private set; }
    public string? PricedBy { get; private set; }
    /// <summary>Set by the one request that sends the SMS (an atomic row update), before it asks Twilio.</summary>
    public Instant? SmsClaimedAt { get; private set; }
    public string? SmsSid { get; private set; }
    public Instant? SentAt { get; private set; }

    public string StatusAt(Instant now) => Status == "sent" && now >= ExpiresAt ? "expired" : Status;

    /// <summary>A caller asked for a quote on the phone (after hours): the window and rate they heard, no amount yet.</summary>
    public static Quote RequestedByPhone(Guid id, string provider, Guid accountId, string window, long ratePerHour, string currency, string policyVersion,
        string callSid, string phoneNumber, Instant now, Instant expiresAt) =>
        new(id, provider, accountId, window, 0, ratePerHour, 0, currency, policyVersion, callSid, "phone", now, expiresAt)
        {
            Status = "requested", EstimatedMinutes = null, Amount = null, PhoneNumber = phoneNumber,
        };

    /// <summary>A technician or finance prices a phone request: rate × estimated minutes, valid from now.</summary>
    public void Price(int estimatedMinutes, long amount, string actor, Instant now, Instant expiresAt)
    {
        if (Status is not ("requested" or "priced")) throw new InvalidOperationException($"Quote {Id} is {Status}.");
        (Status, EstimatedMinutes, Amount, PricedBy, PricedAt, ExpiresAt) = ("priced", estimatedMinutes, amount, actor, now, expiresAt);
    }

    public void Accept(string actor, string callSid, Guid callbackId, Instant now)
    {
        if (StatusAt(now) != "sent") throw new InvalidOperationException($"Quote {Id} is {StatusAt(now)}.");
        (Status, AcceptedBy, AcceptedAt, CallSid, CallbackId) = ("accepted", actor, now, callSid, callbackId);
    }
}

internal sealed class PurchaseConfiguration : IEntityTypeConfiguration<Purchase>
{
    public void Configure(EntityTypeBuilder<Purchase> purchase)
    {
        purchase.ToTable("purchases");
        purchase.Property(p => p.Consent).HasColumnType("jsonb");
        purchase.HasIndex(p => p.CallSid).IsUnique().HasDatabaseName("purchases_call_key");
        purchase.HasIndex(p => new { p.AccountId, p.CreatedAt }).HasDatabaseName("purchases_account");
        purchase.HasOne<Accounts.Account>().WithMany().HasForeignKey(p => p.AccountId);
        purchase.HasOne<CallCore.CallRecord>().WithMany().HasForeignKey(p => p.CallSid);
        purchase.HasOne<CallCore.Callback>().WithMany().HasForeignKey(p => p.CallbackId);
    }
}

internal sealed class QuoteConfiguration : IEntityTypeConfiguration<Quote>
{
    public void Configure(EntityTypeBuilder<Quote> quote)
    {
        quote.ToTable("quotes");
        quote.HasIndex(q => new { q.AccountId, q.CreatedAt }).HasDatabaseName("quotes_account");
        quote.HasOne<Accounts.Account>().WithMany().HasForeignKey(q => q.AccountId);
        quote.HasOne<CallCore.CallRecord>().WithMany().HasForeignKey(q => q.RequestedCallSid);
        quote.HasOne<CallCore.CallRecord>().WithMany().HasForeignKey(q => q.CallSid);
        quote.HasOne<CallCore.Callback>().WithMany().HasForeignKey(q => q.CallbackId);
    }
}
