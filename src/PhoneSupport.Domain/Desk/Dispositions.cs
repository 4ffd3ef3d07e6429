namespace PhoneSupport.Domain.Desk;

/// <summary>
/// How a technician closes their part of an incident, as PSA tools name it (Zendesk's solved/pending, ConnectWise's
/// resolved/escalated/waiting on customer): the set is small on purpose so reports can count it.
/// <c>followUp</c>: the customer or we owe a next step; <c>noFaultFound</c>: nothing wrong on our side;
/// <c>duplicate</c>: another incident carries the work; <c>customerUnreachable</c>: the callback or follow-up never reached them.
/// </summary>
public static class Dispositions
{
    public const string Resolved = "resolved";
    public const string FollowUp = "followUp";
    public const string Escalated = "escalated";
    public const string NoFaultFound = "noFaultFound";
    public const string Duplicate = "duplicate";
    public const string CustomerUnreachable = "customerUnreachable";

    public static readonly IReadOnlyList<string> All = [Resolved, FollowUp, Escalated, NoFaultFound, Duplicate, CustomerUnreachable];

    /// <summary>The longest note text (characters).</summary>
    public const int MaxNoteLength = 4000;

    public static bool IsKnown(string? value) => value is not null && All.Contains(value, StringComparer.Ordinal);

    /// <summary>What a person reads: "follow-up", "no fault found".</summary>
    public static string Words(string disposition) => disposition switch
    {
        FollowUp => "follow-up",
        NoFaultFound => "no fault found",
        CustomerUnreachable => "customer unreachable",
        _ => disposition,
    };
}
