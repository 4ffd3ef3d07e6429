using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.CallCore;

/// <summary>Where a callback stands; stored, and shown in the API, CSV and console, as its <see cref="CallbackStatuses.Wire"/> text.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CallbackStatus>))]
public enum CallbackStatus
{
    [JsonStringEnumMemberName("scheduled")] Scheduled,
    [JsonStringEnumMemberName("dialing")] Dialing,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("missed")] Missed,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>The text of a <see cref="CallbackStatus"/> in the <c>callbacks.status</c> column and on the wire.</summary>
public static class CallbackStatuses
{
    private static readonly string[] Names = ["scheduled", "dialing", "completed", "missed", "cancelled"];

    /// <summary>Every status, in declaration order.</summary>
    public static IReadOnlyList<CallbackStatus> All { get; } = Enum.GetValues<CallbackStatus>();

    /// <summary><c>scheduled</c>, <c>dialing</c>, <c>completed</c>, <c>missed</c> or <c>cancelled</c>.</summary>
    public static string Wire(this CallbackStatus status) => Names[(int)status];

    /// <summary>The status whose text is exactly <paramref name="text"/> (no other spelling, no number).</summary>
    public static bool TryParse(string? text, out CallbackStatus status)
    {
        var index = Array.IndexOf(Names, text);
        status = index < 0 ? default : (CallbackStatus)index;
        return index >= 0;
    }

    public static CallbackStatus Parse(string text) =>
        TryParse(text, out var status) ? status : throw new FormatException($"Unknown callback status '{text}'.");
}

/// <summary>
/// A promise to call a customer back by <see cref="DueAt"/>. <see cref="CoverageOnly"/> promises (made for
/// business hours) are dialled only inside coverage, never at night. The dispatcher leases rows, so any
/// instance may run it and a killed instance's lease is taken over when it runs out.
/// </summary>
public sealed class Callback
{
    private Callback() { }

    public Callback(Guid id, string provider, Guid? accountId, string callSid, string phoneNumber, string reason, int priority,
        Instant dueAt, Instant notBefore, bool coverageOnly, Instant now)
    {
        Id = id;
        Provider = provider;
        AccountId = accountId;
        CallSid = callSid;
        PhoneNumber = phoneNumber;
        Reason = reason;
        Priority = priority;
        DueAt = dueAt;
        NotBefore = notBefore;
        CoverageOnly = coverageOnly;
        Status = CallbackStatus.Scheduled;
        NextAttemptAt = notBefore;
        CreatedAt = now;
        UpdatedAt = now;
    }

    public Guid Id { get; private set; }
    public string Provider { get; private set; } = "";
    public Guid? AccountId { get; private set; }
    public string CallSid { get; private set; } = "";
    public string PhoneNumber { get; private set; } = "";
    public string Reason { get; private set; } = "";
    public int Priority { get; private set; }
    public Instant DueAt { get; private set; }
    public Instant NotBefore { get; private set; }
    public bool CoverageOnly { get; private set; }
    public CallbackStatus Status { get; private set; } = CallbackStatus.Scheduled;
    public int Attempts { get; private set; }
    public Instant NextAttemptAt { get; private set; }
    public string? LeaseOwner { get; private set; }
    public Instant? LeaseUntil { get; private set; }
    public bool AtRisk { get; private set; }
    public Instant? EscalatedAt { get; private set; }
    public Guid? TechnicianId { get; private set; }
    public string? TwilioCallSid { get; private set; }

    /// <summary>Only technicians with this skill are rung (a sales message: the policy's sales skill); null: any technician of the line.</summary>
    public string? Skill { get; init; }

    /// <summary>When the current attempt's technician leg was asked of Twilio (saved before the create); null otherwise.</summary>
    public Instant? DialStartedAt { get; private set; }

    /// <summary>The number the current attempt's technician leg was created to.</summary>
    public string? DialTo { get; private set; }
    public Instant CreatedAt { get; private set; }
    public Instant UpdatedAt { get; private set; }
    public int Version { get; private set; }

    /// <summary>When a person cancelled it (with <see cref="CancelReason"/>); never dialled afterwards.</summary>
    public Instant? CancelledAt { get; private set; }
    public string? CancelReason { get; private set; }

    /// <summary>Assigned by a person: only this technician is rung for it.</summary>
    public Guid? AssignedTechnicianId { get; private set; }

    /// <summary>When the customer was bridged with the technician (a completed callback): kept on time when at or before <see cref="DueAt"/>.</summary>
    public Instant? ConnectedAt { get; private set; }

    public bool IsOpen => Status is CallbackStatus.Scheduled or CallbackStatus.Dialing;

    /// <summary>
    /// About to ask Twilio for the technician leg: saved (committed) before the create, so an instance that takes the lease
    /// over knows a leg may exist, to whom and since when.
    /// </summary>
    public void DialIntended(Guid technicianId, string to, Instant now)
    {
        Guard(CallbackStatus.Dialing);
        TechnicianId = technicianId;
        TwilioCallSid = null;
        DialStartedAt = now;
        DialTo = to;
        Touch(now);
    }

    /// <summary>
    /// The customer was connected to the technician (at <paramref name="connectedAt"/>, now when not known): the promise is kept.
    /// </summary>
    public bool Complete(Instant now, Instant? connectedAt = null)
    {
        if (Status != CallbackStatus.Dialing) return false;
        Status = CallbackStatus.Completed;
        ConnectedAt = connectedAt ?? now;
        EndLease(now);
        return true;
    }

    /// <summary>This attempt failed (no technician accepted, the customer did not answer): retry later or give up.</summary>
    public bool AttemptFailed(Instant now, Instant retryAt, int maxAttempts)
    {
        if (Status != CallbackStatus.Dialing) return false;
        Status = Attempts >= maxAttempts ? CallbackStatus.Missed : CallbackStatus.Scheduled;
        NextAttemptAt = retryAt;
        ClearDial();
        EndLease(now);
        return true;
    }

    /// <summary>Not yet: the promise's window is closed or no technician is free; the lease is given back.</summary>
    public void Postpone(Instant until, Instant now, bool countAttempt)
    {
        Guard(CallbackStatus.Dialing);
        Status = CallbackStatus.Scheduled;
        NextAttemptAt = until;
        if (!countAttempt) Attempts = Math.Max(0, Attempts - 1);
        ClearDial();
        EndLease(now);
    }

    /// <summary>
    /// A person cancels the promise. A scheduled callback, or one leased whose technician leg was not yet asked of Twilio
    /// (the dispatcher's intent save then fails on <see cref="Version"/> and nothing is dialled), is cancelled; one whose
    /// leg is ringing or bridged is not (false).
    /// </summary>
    public bool Cancel(string reason, Instant now)
    {
        if (Status == CallbackStatus.Scheduled || Status == CallbackStatus.Dialing && DialStartedAt is null && TwilioCallSid is null)
        {
            Status = CallbackStatus.Cancelled;
            CancelledAt = now;
            CancelReason = reason;
            ClearDial();
            EndLease(now);
            return true;
        }
        return false;
    }

    /// <summary>A new due time (inside the promise's window, checked by the caller): the next attempt moves with it.</summary>
    public void Reschedule(Instant dueAt, Instant notBefore, Instant now)
    {
        Guard(CallbackStatus.Scheduled);
        DueAt = dueAt;
        NotBefore = notBefore;
        NextAttemptAt = notBefore;
        AtRisk = false;
        EscalatedAt = null;
        Touch(now);
    }

    /// <summary>Only <paramref name="technicianId"/> is rung (null: any technician of the line again).</summary>
    public void Assign(Guid? technicianId, Instant now)
    {
        if (!IsOpen) throw new InvalidOperationException($"Callback {Id} is {Status.Wire()}.");
        AssignedTechnicianId = technicianId;
        Touch(now);
    }

    public bool Escalate(Instant now)
    {
        if (AtRisk || !IsOpen) return false;
        AtRisk = true;
        EscalatedAt = now;
        Touch(now);
        return true;
    }

    private void ClearDial()
    {
        TwilioCallSid = null;
        DialStartedAt = null;
        DialTo = null;
    }

    private void EndLease(Instant now)
    {
        LeaseOwner = null;
        LeaseUntil = null;
        Touch(now);
    }

    private void Touch(Instant now)
    {
        UpdatedAt = now;
        Version++;
    }

    private void Guard(CallbackStatus expected)
    {
        if (Status != expected) throw new InvalidOperationException($"Callback {Id} is {Status.Wire()}, not {expected.Wire()}.");
    }
}

/// <summary>One technician leg Twilio created for a callback (table <c>callback_legs</c>), keyed by its call sid.</summary>
public sealed class CallbackLeg
{
    private CallbackLeg() { }

    public CallbackLeg(string callSid, Guid callbackId, Guid? technicianId, int attempt, string source, bool stray, Instant createdAt)
    {
        CallSid = callSid;
        CallbackId = callbackId;
        TechnicianId = technicianId;
        Attempt = attempt;
        Source = source;
        Stray = stray;
        CreatedAt = createdAt;
    }

    public string CallSid { get; private set; } = "";
    public Guid CallbackId { get; private set; }
    public Guid? TechnicianId { get; private set; }
    public int Attempt { get; private set; }

    /// <summary><c>create</c> (the create's answer), <c>webhook</c> (its status callback or TwiML request) or <c>lookup</c> (found at Twilio): how we learned of it first.</summary>
    public string Source { get; private set; } = "";

    /// <summary>Not the callback's current leg (a late or repeated create): cancelled, never offered.</summary>
    public bool Stray { get; private set; }

    public Instant CreatedAt { get; private set; }
}

internal sealed class CallbackLegConfiguration : IEntityTypeConfiguration<CallbackLeg>
{
    public void Configure(EntityTypeBuilder<CallbackLeg> leg)
    {
        leg.ToTable("callback_legs");
        leg.HasKey(l => l.CallSid);
        leg.HasIndex(l => l.CallbackId).HasDatabaseName("callback_legs_callback");
        leg.HasOne<Callback>().WithMany().HasForeignKey(l => l.CallbackId);
        // The technician the leg rang: declared from the principal's side (Routing's TechnicianConfiguration); the call core names no feature.
    }
}

internal sealed class CallbackConfiguration : IEntityTypeConfiguration<Callback>
{
    public void Configure(EntityTypeBuilder<Callback> callback)
    {
        callback.ToTable("callbacks");
        callback.Property(c => c.Version).IsConcurrencyToken();
        callback.Property(c => c.Status).HasConversion(s => s.Wire(), s => CallbackStatuses.Parse(s));
        callback.HasIndex(c => c.CallSid).IsUnique().HasFilter("status <> 'cancelled'").HasDatabaseName("callbacks_one_per_call");
        callback.HasIndex(c => new { c.Status, c.NextAttemptAt }).HasDatabaseName("callbacks_due");
        callback.HasOne<Accounts.Account>().WithMany().HasForeignKey(c => c.AccountId);
        // Its technician: declared from the principal's side (Routing's TechnicianConfiguration).
    }
}
