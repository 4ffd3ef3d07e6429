namespace PhoneSupport.Features.Callbacks;

/// <summary><c>PhoneSupport:Callbacks</c>.</summary>
public sealed class CallbackOptions
{
    public const string Section = "PhoneSupport:Callbacks";

    /// <summary>How often each instance looks for due callbacks.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a dispatcher holds a callback while dialling; a dead instance's lease runs out and another takes over.</summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Customer attempts before a callback is marked missed (a voicemail counts as one).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The spacing between customer attempts.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>When no technician is free, look again after this long.</summary>
    public TimeSpan NoTechnicianRetry { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary><c>PhoneSupport:Callbacks:EscalationPhoneNumber</c>: who gets the SMS for a callback at risk (none: flag only).</summary>
    public string? EscalationPhoneNumber { get; set; }

    /// <summary><c>PhoneSupport:Callbacks:EscalationLeadTime</c>: how long before its due time a still-open callback is at risk.</summary>
    public TimeSpan EscalationLeadTime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Whether this instance runs the dispatcher loop (tests drive it by hand).</summary>
    public bool DispatcherEnabled { get; set; } = true;
}
