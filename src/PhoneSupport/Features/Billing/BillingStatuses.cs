using System.Text.Json.Serialization;
using PhoneSupport.Domain.Billing;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// Where a charge stands (the column <c>charges.status</c>). The members follow <see cref="ChargeStatus.Order"/>, the only
/// order a charge may move through, and are stored and shown in the API, CSV and console as that text
/// (<see cref="BillingStatuses.Wire(ChargeState)"/>); the forward-only rule itself stays in the domain.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChargeState>))]
public enum ChargeState
{
    [JsonStringEnumMemberName(ChargeStatus.Pending)] Pending,
    [JsonStringEnumMemberName(ChargeStatus.Posted)] Posted,
    [JsonStringEnumMemberName(ChargeStatus.Invoiced)] Invoiced,
    [JsonStringEnumMemberName(ChargeStatus.Failed)] Failed,
    [JsonStringEnumMemberName(ChargeStatus.Paid)] Paid,
    [JsonStringEnumMemberName(ChargeStatus.Voided)] Voided,
    [JsonStringEnumMemberName(ChargeStatus.Refunded)] Refunded,
    [JsonStringEnumMemberName(ChargeStatus.Waived)] Waived,
}

/// <summary>Where an outbox job stands (the column <c>billing_outbox.status</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BillingJobStatus>))]
public enum BillingJobStatus
{
    /// <summary>Due at its next attempt (a retry stays pending).</summary>
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("done")] Done,
    /// <summary>Nothing left to do (every charge waived).</summary>
    [JsonStringEnumMemberName("cancelled")] Cancelled,
    /// <summary>Stripe refused it; finance sees why on its charges.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>The stored and wire text of the billing statuses, both ways (exact text only: no other spelling, no number).</summary>
public static class BillingStatuses
{
    private static readonly string[] JobNames = ["pending", "done", "cancelled", "failed"];

    /// <summary><c>pending</c>, <c>posted</c>, <c>invoiced</c>, <c>failed</c>, <c>paid</c>, <c>voided</c>, <c>refunded</c> or <c>waived</c>.</summary>
    public static string Wire(this ChargeState status) => ChargeStatus.Order[(int)status];

    public static string Wire(this BillingJobStatus status) => JobNames[(int)status];

    public static bool TryParseCharge(string? text, out ChargeState status)
    {
        var index = text is null ? -1 : IndexOf(ChargeStatus.Order, text);
        status = index < 0 ? default : (ChargeState)index;
        return index >= 0;
    }

    public static ChargeState ParseCharge(string text) =>
        TryParseCharge(text, out var status) ? status : throw new FormatException($"Unknown charge status '{text}'.");

    public static BillingJobStatus ParseJob(string text) =>
        IndexOf(JobNames, text) is var index and >= 0 ? (BillingJobStatus)index : throw new FormatException($"Unknown billing job status '{text}'.");

    private static int IndexOf(IReadOnlyList<string> names, string text)
    {
        for (var i = 0; i < names.Count; i++)
            if (string.Equals(names[i], text, StringComparison.Ordinal)) return i;
        return -1;
    }
}
