using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using PhoneSupport.Twilio;
using Xunit;

namespace PhoneSupport.Tests.Twilio;

public sealed class VoiceRequestTests
{
    private static VoiceRequest Parse(params (string Key, string Value)[] fields) =>
        VoiceRequest.FromForm(new FormCollection(fields.ToDictionary(f => f.Key, f => new StringValues(f.Value))));

    [Fact]
    public void FromForm_IncomingCall_BindsTheStandardParameters()
    {
        var request = Parse(
            ("CallSid", "CA0123456789abcdef0123456789abcdef"),
            ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
            ("From", "+16175551212"),
            ("To", "+18005551212"),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
            ("ApiVersion", "2010-04-01"));

        Assert.Equal("CA0123456789abcdef0123456789abcdef", request.CallSid);
        Assert.Equal("AC0123456789abcdef0123456789abcdef", request.AccountSid);
        Assert.Equal("+16175551212", request.From);
        Assert.Equal("+18005551212", request.To);
        Assert.Equal(CallStatus.Ringing, request.CallStatus);
        Assert.Equal("inbound", request.Direction);
        Assert.Null(request.ParentCallSid);
        Assert.Null(request.DialCallStatus);
        Assert.Null(request.Digits);
    }

    [Theory]
    [InlineData("queued", CallStatus.Queued)]
    [InlineData("initiated", CallStatus.Initiated)]
    [InlineData("ringing", CallStatus.Ringing)]
    [InlineData("in-progress", CallStatus.InProgress)]
    [InlineData("completed", CallStatus.Completed)]
    [InlineData("busy", CallStatus.Busy)]
    [InlineData("failed", CallStatus.Failed)]
    [InlineData("no-answer", CallStatus.NoAnswer)]
    [InlineData("canceled", CallStatus.Canceled)]
    [InlineData("In-Progress", CallStatus.InProgress)]
    [InlineData("something-new", CallStatus.Unknown)]
    [InlineData("", CallStatus.Unknown)]
    public void FromForm_CallStatus_ParsesTwilioKebabStrings(string value, CallStatus expected)
    {
        Assert.Equal(expected, Parse(("CallStatus", value)).CallStatus);
    }

    [Fact]
    public void FromForm_WithoutCallStatus_IsUnknown()
    {
        Assert.Equal(CallStatus.Unknown, Parse(("CallSid", "CA1")).CallStatus);
    }

    [Theory]
    [InlineData("completed", DialCallStatus.Completed)]
    [InlineData("answered", DialCallStatus.Answered)]
    [InlineData("busy", DialCallStatus.Busy)]
    [InlineData("no-answer", DialCallStatus.NoAnswer)]
    [InlineData("failed", DialCallStatus.Failed)]
    [InlineData("canceled", DialCallStatus.Canceled)]
    [InlineData("unheard-of", DialCallStatus.Unknown)]
    public void FromForm_DialCallStatus_ParsesTwilioKebabStrings(string value, DialCallStatus expected)
    {
        Assert.Equal(expected, Parse(("DialCallStatus", value)).DialCallStatus);
    }

    [Fact]
    public void FromForm_DialAction_BindsDialFields()
    {
        var request = Parse(
            ("CallSid", "CA1"),
            ("DialCallStatus", "completed"),
            ("DialCallSid", "CA2"),
            ("DialCallDuration", "42"),
            ("DialBridged", "true"),
            ("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"));

        Assert.Equal(DialCallStatus.Completed, request.DialCallStatus);
        Assert.Equal("CA2", request.DialCallSid);
        Assert.Equal(42, request.DialCallDuration);
        Assert.True(request.DialBridged);
        Assert.Equal("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1", request.RecordingUrl);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("maybe", null)]
    public void FromForm_DialBridged_ParsesBooleansLeniently(string value, bool? expected)
    {
        Assert.Equal(expected, Parse(("DialBridged", value)).DialBridged);
    }

    [Fact]
    public void FromForm_GatherAction_BindsDigitsAndSpeech()
    {
        var request = Parse(
            ("Digits", "1234"),
            ("FinishedOnKey", "#"),
            ("SpeechResult", "I need help with billing"),
            ("Confidence", "0.9123"));

        Assert.Equal("1234", request.Digits);
        Assert.Equal("#", request.FinishedOnKey);
        Assert.Equal("I need help with billing", request.SpeechResult);
        Assert.Equal(0.9123, request.Confidence);
    }

    [Fact]
    public void FromForm_Confidence_IsParsedWithInvariantCulture()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            Assert.Equal(0.5, Parse(("Confidence", "0.5")).Confidence);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void FromForm_StatusCallback_BindsDurationSequenceAndTimestamp()
    {
        var request = Parse(
            ("CallStatus", "completed"),
            ("CallbackSource", "call-progress-events"),
            ("SequenceNumber", "3"),
            ("Timestamp", "Sun, 25 Mar 2018 09:53:19 +0000"),
            ("CallDuration", "49"),
            ("Duration", "1"),
            ("ParentCallSid", "CA0"));

        Assert.Equal(CallStatus.Completed, request.CallStatus);
        Assert.Equal(3, request.SequenceNumber);
        Assert.Equal(new DateTimeOffset(2018, 3, 25, 9, 53, 19, TimeSpan.Zero), request.Timestamp);
        Assert.Equal(49, request.CallDuration);
        Assert.Equal("CA0", request.ParentCallSid);
    }

    [Theory]
    [InlineData("Sun, 25 Mar 2018 09:53:19 +0000", "2018-03-25T09:53:19+00:00")]
    [InlineData("Tue, 31 Aug 2010 20:36:28 -0500", "2010-08-31T20:36:28-05:00")]
    [InlineData("5 Jan 2021 07:08 +0130", "2021-01-05T07:08:00+01:30")]
    [InlineData("Mon, 01 Jan 2024 00:00:00 GMT", "2024-01-01T00:00:00+00:00")]
    public void FromForm_Timestamp_ParsesRfc2822(string value, string expectedIso)
    {
        var expected = DateTimeOffset.Parse(expectedIso, CultureInfo.InvariantCulture);

        var actual = Parse(("Timestamp", value)).Timestamp;

        Assert.Equal(expected, actual);
        Assert.Equal(expected.Offset, actual!.Value.Offset);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2018-03-25T09:53:19Z")]
    [InlineData("Sun, 32 Mar 2018 09:53:19 +0000")]
    [InlineData("")]
    public void FromForm_UnparsableTimestamp_IsNull(string value)
    {
        Assert.Null(Parse(("Timestamp", value)).Timestamp);
    }

    [Fact]
    public void FromForm_RecordAndEnqueueActions_BindTheirFields()
    {
        var request = Parse(
            ("RecordingUrl", "https://example.com/RE1"),
            ("RecordingDuration", "17"),
            ("QueueResult", "bridged"),
            ("QueueTime", "95"));

        Assert.Equal("https://example.com/RE1", request.RecordingUrl);
        Assert.Equal(17, request.RecordingDuration);
        Assert.Equal("bridged", request.QueueResult);
        Assert.Equal(95, request.QueueTime);
    }

    [Fact]
    public void FromForm_UnparsableNumbers_AreNull()
    {
        var request = Parse(
            ("Confidence", "high"),
            ("DialCallDuration", "forty"),
            ("CallDuration", "1.5"),
            ("SequenceNumber", ""),
            ("RecordingDuration", "99999999999"),
            ("QueueTime", "NaN"));

        Assert.Null(request.Confidence);
        Assert.Null(request.DialCallDuration);
        Assert.Null(request.CallDuration);
        Assert.Null(request.SequenceNumber);
        Assert.Null(request.RecordingDuration);
        Assert.Null(request.QueueTime);
    }

    [Fact]
    public void FromForm_Raw_KeepsEveryFieldIncludingUnknownOnes()
    {
        var request = Parse(("CallSid", "CA1"), ("FromCity", "BOSTON"), ("SomethingNew", "x"));

        Assert.Equal(3, request.Raw.Count);
        Assert.Equal("BOSTON", request.Raw["FromCity"]);
        Assert.Equal("x", request.Raw["SomethingNew"]);
        Assert.Equal("CA1", request.CallSid);
    }

    [Fact]
    public void FromForm_EmptyForm_GivesAnEmptyRequest()
    {
        var request = VoiceRequest.FromForm(FormCollection.Empty);

        Assert.Null(request.CallSid);
        Assert.Equal(CallStatus.Unknown, request.CallStatus);
        Assert.Empty(request.Raw);
    }
}
