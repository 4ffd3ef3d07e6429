namespace PhoneSupport.Domain.Calls;

/// <summary>Twilio's id of a call (<c>CA…</c>; <c>AP…</c>/<c>AQ…</c> for contacts made through the API).</summary>
public readonly record struct CallSid(string Value)
{
    public override string ToString() => Value;
}

/// <summary>A phone number as Twilio reports it (E.164 for real callers; may be empty or a client name).</summary>
public readonly record struct PhoneNumber(string Value)
{
    public override string ToString() => Value;
}

/// <summary>A Dedicated Phone Support Contract's number, as the caller keys it.</summary>
public readonly record struct ContractNumber(string Value)
{
    public override string ToString() => Value;
}

/// <summary>
/// What a technician is reserved for: a live call, or a callback (whose key is <c>cb-</c> and the callback's id without
/// dashes, the form <c>technicians.reserved_call_sid</c> stores), or a transfer's reserve-back (<c>tr-…</c>).
/// </summary>
public abstract record ReservationKey
{
    public sealed record Call(CallSid Sid) : ReservationKey
    {
        public override string ToString() => Sid.Value;
    }

    public sealed record Callback(Guid Id) : ReservationKey
    {
        public override string ToString() => "cb-" + Id.ToString("N");
    }

    /// <summary>The stored form.</summary>
    public string Text => ToString()!;
}
