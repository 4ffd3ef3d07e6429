using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Routing;

namespace PhoneSupport.Domain.Tests.Routing;

/// <summary>The pure part of transfers (decision 013): modes, the reservation key, the words per language.</summary>
public sealed class TransferTests
{
    [Theory]
    [InlineData("cold", TransferMode.Cold)]
    [InlineData(" WARM ", TransferMode.Warm)]
    [InlineData("Warm", TransferMode.Warm)]
    public void Modes_are_read_whatever_the_case(string text, TransferMode expected)
    {
        Assert.Equal(expected, Transfer.ParseMode(text));
        Assert.Equal(expected, Transfer.ParseMode(expected.Name()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("lukewarm")]
    [InlineData("hot")]
    public void Anything_else_is_no_mode(string? text) => Assert.Null(Transfer.ParseMode(text));

    [Fact]
    public void The_reservation_key_is_the_transfer_id_without_dashes_and_never_a_call_sid()
    {
        var id = Guid.Parse("01a24426-947e-7e32-b965-1d962b5b5888");

        Assert.Equal("tr-01a24426947e7e32b9651d962b5b5888", Transfer.ReservationKey(id));
        Assert.DoesNotMatch("^CA", Transfer.ReservationKey(id));
    }

    [Fact]
    public void The_caller_and_the_colleague_hear_their_own_language()
    {
        Assert.Equal("Please hold while I transfer you to a colleague.", Transfer.Hold(Speech.English));
        Assert.StartsWith("Einen Moment bitte", Transfer.Hold(Speech.German), StringComparison.Ordinal);
        Assert.Equal("Transferred by Dana Reyes.", Transfer.From(Speech.English, "Dana Reyes"));
        Assert.Equal("Weitergeleitet von Lena Huber.", Transfer.From(Speech.German, "Lena Huber"));
        Assert.Contains("could not be transferred", Transfer.NotTaken(Speech.English), StringComparison.Ordinal);
        Assert.Contains("nicht übergeben", Transfer.NotTaken(Speech.German), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-answer", true, "declined")]
    [InlineData("completed", true, "declined")]
    [InlineData("no-answer", false, "no-answer")]
    [InlineData("canceled", false, "no-answer")]
    [InlineData(null, false, "no-answer")]
    [InlineData("busy", false, "busy")]
    [InlineData("failed", false, "failed")]
    public void Why_the_colleague_did_not_take_it(string? dialCallStatus, bool declined, string expected) =>
        Assert.Equal(expected, Transfer.NotTakenReason(dialCallStatus, declined));

    [Fact]
    public void The_caller_hears_they_are_connected_back_in_their_language()
    {
        Assert.Equal("Your colleague is not available; connecting you back.", Transfer.Back(Speech.English));
        Assert.Contains("zurück", Transfer.Back(Speech.German), StringComparison.Ordinal);
    }
}
