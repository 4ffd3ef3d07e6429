using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;
using PhoneSupport.Domain.Calls;

namespace PhoneSupport.Features.CallCore;

/// <summary>
/// The stored form of a <see cref="CallSession"/> (table <c>calls</c>), keyed by Twilio's <c>CallSid</c>.
/// <see cref="Version"/> is an optimistic concurrency token: two instances handling webhooks of one call at
/// once cannot both advance it.
/// </summary>
public sealed class CallRecord
{
    private CallRecord() { }

    public string CallSid { get; private set; } = "";
    public string Provider { get; private set; } = "";
    public string FlowId { get; private set; } = "";
    public string FromNumber { get; private set; } = "";
    public string ToNumber { get; private set; } = "";
    public string Step { get; private set; } = "";
    public int Attempt { get; private set; }
    public string Language { get; private set; } = "";
    public int Sequence { get; private set; }
    public string Vars { get; private set; } = "{}";
    /// <summary>Stored as the member's name (<c>Ended</c>), as the engine has always written it.</summary>
    public CallPhase Phase { get; private set; }
    public string? TwilioStatus { get; private set; }
    public Guid? AccountId { get; private set; }
    public Instant StartedAt { get; private set; }
    public Instant UpdatedAt { get; private set; }
    public Instant? EndedAt { get; private set; }
    public int? DurationSeconds { get; private set; }
    public int Version { get; private set; }

    /// <summary>Set with <see cref="EndedAt"/>: Twilio reported the end before the flow had ended the call (the caller hung up).</summary>
    public bool? CallerHungUp { get; private set; }

    /// <summary>When the call was added to the service report's roll-up (Features/Reports: set by SQL, never here).</summary>
    public Instant? ReportedAt { get; private set; }

    /// <summary>The entitlement decided for this call (engine output as JSON), or null before identification.</summary>
    public string? Entitlement { get; set; }

    public static CallRecord Start(CallSession session, Instant now)
    {
        var record = new CallRecord
        {
            CallSid = session.CallSid,
            Provider = session.Provider,
            FlowId = session.FlowId,
            FromNumber = session.From,
            ToNumber = session.To,
            StartedAt = now,
            TwilioStatus = "in-progress",
        };
        record.Apply(session, now);
        return record;
    }

    /// <summary>
    /// A contact that did not come in by phone — a purchase or an accepted quote through the API (the control panel) — recorded
    /// like a call that has already ended, so its consent, callback and incident have one origin like any other.
    /// <paramref name="prefix"/> marks it (<c>AP</c> purchase, <c>AQ</c> quote) beside Twilio's <c>CA</c> sids.
    /// </summary>
    public static CallRecord ApiContact(string prefix, string provider, string from, string to, Guid accountId, IReadOnlyDictionary<string, string> vars,
        string entitlement, Instant now)
    {
        var session = CallSession.Start($"{prefix}{Guid.NewGuid():N}", "api", provider, from, to, "api", "en-US") with
        {
            Vars = System.Collections.Immutable.ImmutableDictionary.CreateRange(vars).SetItem("accountId", accountId.ToString()).SetItem("callerNumber", from),
            Phase = CallPhase.Ended,
        };
        var record = Start(session, now);
        record.TwilioStatus = "api";
        record.EndedAt = now;
        record.DurationSeconds = 0;
        record.Entitlement = entitlement;
        return record;
    }

    /// <summary>A call as <see cref="CallStepReader"/> read it (column by column, outside EF Core's tracking).</summary>
    internal static CallRecord Read(string callSid, string provider, string flowId, string from, string to, string step, int attempt, string language, int sequence,
        string vars, string phase, string? twilioStatus, Guid? accountId, Instant startedAt, Instant updatedAt, Instant? endedAt, int? durationSeconds, int version,
        string? entitlement, bool? callerHungUp, Instant? reportedAt) => new()
    {
        CallSid = callSid, Provider = provider, FlowId = flowId, FromNumber = from, ToNumber = to, Step = step, Attempt = attempt, Language = language,
        Sequence = sequence, Vars = vars, Phase = Enum.Parse<CallPhase>(phase), TwilioStatus = twilioStatus, AccountId = accountId, StartedAt = startedAt, UpdatedAt = updatedAt,
        EndedAt = endedAt, DurationSeconds = durationSeconds, Version = version, Entitlement = entitlement, CallerHungUp = callerHungUp, ReportedAt = reportedAt,
    };

    public CallSession ToSession() => new(
        CallSid, FlowId, Provider, FromNumber, ToNumber, Step, Attempt, Language, Sequence,
        JsonSerializer.Deserialize<Dictionary<string, string>>(Vars)!.ToImmutableDictionary(),
        Phase);

    /// <summary>Stores the engine's new session state.</summary>
    public void Apply(CallSession session, Instant now)
    {
        Step = session.StepId;
        Attempt = session.Attempt;
        Language = session.Language;
        Sequence = session.Sequence;
        Vars = JsonSerializer.Serialize(session.Vars);
        Phase = session.Phase;
        AccountId = Guid.TryParse(session.Var("accountId"), out var account) ? account : null;
        UpdatedAt = now;
        Version++;
    }

    /// <summary>
    /// Records Twilio's final status. Only the first terminal status counts: a late or repeated callback
    /// never changes an ended call.
    /// </summary>
    public bool End(string twilioStatus, int? durationSeconds, Instant now)
    {
        if (EndedAt is not null) return false;
        CallerHungUp = Phase != CallPhase.Ended;
        TwilioStatus = twilioStatus;
        DurationSeconds = durationSeconds;
        EndedAt = now;
        Phase = CallPhase.Ended;
        UpdatedAt = now;
        Version++;
        return true;
    }
}

/// <summary>One entry of a call's append-only event log (table <c>call_events</c>).</summary>
public sealed class CallEventRecord
{
    private CallEventRecord() { }

    public CallEventRecord(string callSid, Instant at, string kind, string data, string? dedupeKey = null)
    {
        CallSid = callSid;
        At = at;
        Kind = kind;
        Data = data;
        DedupeKey = dedupeKey;
    }

    public long Id { get; private set; }
    public string CallSid { get; private set; } = "";
    public Instant At { get; private set; }
    public string Kind { get; private set; } = "";
    public string Data { get; private set; } = "{}";
    public string? DedupeKey { get; private set; }

    public static CallEventRecord From(string callSid, Instant at, IvrEvent e) =>
        new(callSid, at, e.Kind, JsonSerializer.Serialize(e.Data));
}

internal sealed class CallRecordConfiguration : IEntityTypeConfiguration<CallRecord>
{
    public void Configure(EntityTypeBuilder<CallRecord> call)
    {
        call.ToTable("calls");
        call.HasKey(c => c.CallSid);
        call.Property(c => c.Vars).HasColumnType("jsonb");
        call.Property(c => c.Phase).HasConversion<string>();
        call.Property(c => c.Entitlement).HasColumnType("jsonb");
        call.Property(c => c.Version).IsConcurrencyToken();
        call.HasIndex(c => c.StartedAt).HasDatabaseName("calls_started_at");
    }
}

internal sealed class CallEventRecordConfiguration : IEntityTypeConfiguration<CallEventRecord>
{
    public void Configure(EntityTypeBuilder<CallEventRecord> e)
    {
        e.ToTable("call_events");
        e.Property(x => x.Id).UseIdentityAlwaysColumn();
        e.Property(x => x.Data).HasColumnType("jsonb");
        e.HasIndex(x => x.DedupeKey).IsUnique().HasFilter("dedupe_key is not null").HasDatabaseName("call_events_dedupe_key_key");
        e.HasIndex(x => new { x.CallSid, x.Id }).HasDatabaseName("call_events_call");
        e.HasOne<CallRecord>().WithMany().HasForeignKey(x => x.CallSid);
    }
}
