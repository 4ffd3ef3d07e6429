using PhoneSupport.Domain.Calls;
using PhoneSupport.Domain.Routing;
using PhoneSupport.Domain.Tests.Calls;
using PhoneSupport.Domain.Tests.Flows;

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

    [Fact]
    public void A_transfer_nobody_took_reopens_the_call_at_its_route_step_and_takes_the_unavailable_exit_once()
    {
        var call = new CallDriver(ShippedFlows.Constellix)
        {
            Technician = new TechnicianFact(Guid.Parse("01a24426-947e-7e32-b965-1d962b5b5888"), "Dana Reyes", "+15550200001"),
        };
        call.Start();
        call.Press("2", finishedOnKey: false);
        Assert.IsType<Instruction.Dial>(call.Press("5550001").Instruction);
        var ended = call.Send(new CallerInput.DialEnded(true, "completed", 1800));
        Assert.Equal(CallPhase.Ended, ended.Session.Phase);

        var onward = call.Send(new CallerInput.TransferNotTaken());

        var ask = CallDriver.Texts(Assert.IsType<Instruction.Ask>(onward.Instruction));
        Assert.Equal("Your colleague is not available.", ask[0]);
        Assert.StartsWith("We can call you back at the number ending in", ask[1], StringComparison.Ordinal);
        Assert.Equal(("offer-callback", CallPhase.InIvr), (onward.Session.StepId, onward.Session.Phase));
        Assert.Contains(onward.Events, e => e.Kind == "transferNotTaken" && e.Data["step"] == "contract-route");
        Assert.Null(onward.Session.Var("reservedTechnician"));

        // Again (the call is at the callback offer now): nothing moves, the question is asked again.
        var again = call.Send(new CallerInput.TransferNotTaken());
        Assert.Equal((onward.Session.StepId, onward.Session.Sequence), (again.Session.StepId, again.Session.Sequence));
        Assert.DoesNotContain(again.Events, e => e.Kind == "transferNotTaken");
    }
}
