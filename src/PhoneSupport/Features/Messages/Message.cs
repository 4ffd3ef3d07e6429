using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using PhoneSupport.Data;

namespace PhoneSupport.Features.Messages;

/// <summary>A message's state; stored and written as the member's text (<see cref="StoredText{TEnum}"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MessageStatus>))]
public enum MessageStatus
{
    [JsonStringEnumMemberName("new")] New,
    [JsonStringEnumMemberName("handled")] Handled,
}

/// <summary>
/// A caller's recorded message (table <c>messages</c>, one per call) and the promise it carries: the callback its prompt
/// promised (<see cref="CallbackId"/>) or, after a quote offer, the quote request (<see cref="QuoteId"/>). Written by
/// upserts only (<see cref="MessageService"/>), so the Record action and the recording status callback may arrive in
/// either order and any number of times.
/// </summary>
public sealed class Message
{
    private Message() { }

    public Guid Id { get; private set; }
    public string CallSid { get; private set; } = "";
    public string Provider { get; private set; } = "";
    public string FromNumber { get; private set; } = "";
    public Guid? AccountId { get; private set; }
    public string? RecordingSid { get; private set; }
    public string? RecordingUrl { get; private set; }
    public int? DurationSeconds { get; private set; }
    public Instant ReceivedAt { get; private set; }
    public Guid? CallbackId { get; private set; }
    public Guid? QuoteId { get; private set; }
    public MessageStatus Status { get; private set; } = MessageStatus.New;
    public Instant? HandledAt { get; private set; }
    public string? HandledBy { get; private set; }
}

internal sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> message)
    {
        message.ToTable("messages");
        message.Property(m => m.Status).StoredAsText();
        message.HasIndex(m => m.CallSid).IsUnique().HasDatabaseName("messages_call_key");
        message.HasIndex(m => new { m.Status, m.ReceivedAt }).HasDatabaseName("messages_status");
        message.HasOne<CallCore.CallRecord>().WithMany().HasForeignKey(m => m.CallSid);
        message.HasOne<Accounts.Account>().WithMany().HasForeignKey(m => m.AccountId);
        message.HasOne<CallCore.Callback>().WithMany().HasForeignKey(m => m.CallbackId);
        message.HasOne<Billing.Quote>().WithMany().HasForeignKey(m => m.QuoteId);
    }
}
