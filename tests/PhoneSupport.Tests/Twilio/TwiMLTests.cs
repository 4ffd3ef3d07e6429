using PhoneSupport.Twilio.TwiML;
using Xunit;
using Record = PhoneSupport.Twilio.TwiML.Record;

namespace PhoneSupport.Tests.Twilio;

public sealed class TwiMLTests
{
    private const string Declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

    private static string Doc(string body) => Declaration + body;

    [Fact]
    public void EmptyResponse_IsSelfClosedAfterTheDeclaration()
    {
        Assert.Equal(Doc("<Response />"), new VoiceResponse().ToString());
    }

    [Fact]
    public void Hangup_IsSelfClosed()
    {
        Assert.Equal(Doc("<Response><Hangup /></Response>"), new VoiceResponse().Hangup().ToString());
    }

    [Fact]
    public void Say_WritesVoiceLoopLanguageInTwilioOrder()
    {
        var response = new VoiceResponse()
            .Say("Hello", voice: "Polly.Joanna", language: "en-US")
            .Say("message", voice: "man", loop: 1, language: "af-ZA");

        Assert.Equal(
            Doc("<Response><Say voice=\"Polly.Joanna\" language=\"en-US\">Hello</Say>"
                + "<Say voice=\"man\" loop=\"1\" language=\"af-ZA\">message</Say></Response>"),
            response.ToString());
    }

    [Fact]
    public void Say_WithoutAttributes_WritesOnlyText()
    {
        Assert.Equal(Doc("<Response><Say>Hi</Say></Response>"), new VoiceResponse().Say("Hi").ToString());
    }

    [Fact]
    public void Play_WritesUrlAsTextAndDigitsAsAttribute()
    {
        var response = new VoiceResponse()
            .Play(new Uri("https://example.com"), loop: 1, digits: "digits")
            .Play(digits: "ww1234");

        Assert.Equal(
            Doc("<Response><Play loop=\"1\" digits=\"digits\">https://example.com</Play>"
                + "<Play digits=\"ww1234\" /></Response>"),
            response.ToString());
    }

    [Fact]
    public void Pause_WritesLength()
    {
        Assert.Equal(Doc("<Response><Pause length=\"3\" /><Pause /></Response>"), new VoiceResponse().Pause(3).Pause().ToString());
    }

    [Fact]
    public void Gather_WithEveryAttribute_WritesCamelCaseNamesAndNestedVerbs()
    {
        var gather = new Gather(
            input: GatherInput.DtmfSpeech,
            action: new Uri("https://example.com/gather?step=1&x=2"),
            method: HttpMethod.Get,
            timeout: 1,
            speechTimeout: "auto",
            finishOnKey: "#",
            numDigits: 1,
            language: "en-US",
            hints: "billing, support",
            actionOnEmptyResult: true);
        gather.Say("message", voice: "man", loop: 1, language: "af-ZA").Pause(1).Play(new Uri("https://example.com"), loop: 1);

        Assert.Equal(
            Doc("<Response><Gather input=\"dtmf speech\" action=\"https://example.com/gather?step=1&amp;x=2\" method=\"GET\""
                + " timeout=\"1\" speechTimeout=\"auto\" finishOnKey=\"#\" numDigits=\"1\" language=\"en-US\""
                + " hints=\"billing, support\" actionOnEmptyResult=\"true\">"
                + "<Say voice=\"man\" loop=\"1\" language=\"af-ZA\">message</Say><Pause length=\"1\" />"
                + "<Play loop=\"1\">https://example.com</Play></Gather></Response>"),
            new VoiceResponse().Append(gather).ToString());
    }

    [Theory]
    [InlineData(GatherInput.Dtmf, "dtmf")]
    [InlineData(GatherInput.Speech, "speech")]
    [InlineData(GatherInput.DtmfSpeech, "dtmf speech")]
    public void Gather_Input_IsLowercaseAndSpaceJoined(GatherInput input, string expected)
    {
        Assert.Equal(Doc($"<Gather input=\"{expected}\" />"), new Gather(input).ToString());
    }

    [Fact]
    public void Gather_WithEmptyFinishOnKeyAndFalseFlag_WritesThemExplicitly()
    {
        Assert.Equal(
            Doc("<Gather finishOnKey=\"\" actionOnEmptyResult=\"false\" />"),
            new Gather(finishOnKey: "", actionOnEmptyResult: false).ToString());
    }

    [Fact]
    public void Dial_WithPlainNumberAndAttributes_WritesKebabRecordAndLowercaseBoolean()
    {
        var response = new VoiceResponse().Dial(
            "+15551234567",
            action: new Uri("/voice/dial-complete", UriKind.Relative),
            method: HttpMethod.Post,
            timeout: 20,
            timeLimit: 600,
            callerId: "+15550000000",
            record: DialRecord.RecordFromAnswerDual,
            answerOnBridge: true,
            ringTone: "us-old");

        Assert.Equal(
            Doc("<Response><Dial action=\"/voice/dial-complete\" method=\"POST\" timeout=\"20\" timeLimit=\"600\""
                + " callerId=\"+15550000000\" record=\"record-from-answer-dual\" answerOnBridge=\"true\""
                + " ringTone=\"us-old\">+15551234567</Dial></Response>"),
            response.ToString());
    }

    [Fact]
    public void Dial_DoNotRecordAndAnswerOnBridgeFalse_AreSpelledAsTwilioDocuments()
    {
        Assert.Equal(
            Doc("<Dial record=\"do-not-record\" answerOnBridge=\"false\">+15551234567</Dial>"),
            new Dial("+15551234567", record: DialRecord.DoNotRecord, answerOnBridge: false).ToString());
    }

    [Fact]
    public void Dial_Number_WritesEveryAttributeAndSpaceJoinedEvents()
    {
        var dial = new Dial(answerOnBridge: true).Number(
            "+15017122661",
            sendDigits: "wwww1928",
            url: new Uri("https://example.com/whisper?agent=a1&b=2"),
            method: new HttpMethod("get"),
            statusCallbackEvent:
            [
                CallProgressEvent.Initiated, CallProgressEvent.Ringing, CallProgressEvent.Answered, CallProgressEvent.Completed,
            ],
            statusCallback: new Uri("https://example.com/status"),
            statusCallbackMethod: HttpMethod.Post);

        Assert.Equal(
            Doc("<Response><Dial answerOnBridge=\"true\"><Number sendDigits=\"wwww1928\""
                + " url=\"https://example.com/whisper?agent=a1&amp;b=2\" method=\"GET\""
                + " statusCallbackEvent=\"initiated ringing answered completed\""
                + " statusCallback=\"https://example.com/status\" statusCallbackMethod=\"POST\">+15017122661</Number>"
                + "</Dial></Response>"),
            new VoiceResponse().Append(dial).ToString());
    }

    [Fact]
    public void Dial_SeveralNumbers_KeepTheirOrder()
    {
        var dial = new Dial().Number("+15550000001").Append(new Number("+15550000002", url: new Uri("https://example.com/w")));

        Assert.Equal(
            Doc("<Dial><Number>+15550000001</Number><Number url=\"https://example.com/w\">+15550000002</Number></Dial>"),
            dial.ToString());
    }

    [Fact]
    public void Dial_Queue_WritesUrlAndMethod()
    {
        var dial = new Dial().Queue("support", url: new Uri("https://example.com/about-to-connect"), method: HttpMethod.Get);

        Assert.Equal(
            Doc("<Dial><Queue url=\"https://example.com/about-to-connect\" method=\"GET\">support</Queue></Dial>"),
            dial.ToString());
    }

    [Fact]
    public void Enqueue_WritesAttributesInTwilioOrder()
    {
        var response = new VoiceResponse().Enqueue(
            "support",
            action: new Uri("https://example.com/queue-done"),
            maxQueueSize: 10,
            method: HttpMethod.Post,
            waitUrl: new Uri("https://example.com/hold"),
            waitUrlMethod: HttpMethod.Get);

        Assert.Equal(
            Doc("<Response><Enqueue action=\"https://example.com/queue-done\" maxQueueSize=\"10\" method=\"POST\""
                + " waitUrl=\"https://example.com/hold\" waitUrlMethod=\"GET\">support</Enqueue></Response>"),
            response.ToString());
    }

    [Fact]
    public void Redirect_WritesUrlAsTextAndUppercaseMethod()
    {
        var response = new VoiceResponse()
            .Redirect(new Uri("https://example.com"), HttpMethod.Get)
            .Redirect(new Uri("../next?x=1&y=2", UriKind.Relative));

        Assert.Equal(
            Doc("<Response><Redirect method=\"GET\">https://example.com</Redirect>"
                + "<Redirect>../next?x=1&amp;y=2</Redirect></Response>"),
            response.ToString());
    }

    [Fact]
    public void Record_WritesEveryAttribute()
    {
        var response = new VoiceResponse().Record(
            action: new Uri("https://example.com/rec"),
            method: HttpMethod.Post,
            timeout: 5,
            finishOnKey: "#",
            maxLength: 120,
            playBeep: false,
            trim: RecordTrim.DoNotTrim,
            transcribe: false);

        Assert.Equal(
            Doc("<Response><Record action=\"https://example.com/rec\" method=\"POST\" timeout=\"5\" finishOnKey=\"#\""
                + " maxLength=\"120\" playBeep=\"false\" trim=\"do-not-trim\" transcribe=\"false\" /></Response>"),
            response.ToString());
    }

    [Fact]
    public void Record_TrimSilenceAndPlayBeepTrue_AreSpelledAsTwilioDocuments()
    {
        Assert.Equal(
            Doc("<Record playBeep=\"true\" trim=\"trim-silence\" transcribe=\"true\" />"),
            new Record(playBeep: true, trim: RecordTrim.TrimSilence, transcribe: true).ToString());
    }

    [Fact]
    public void Reject_WritesReasonOnlyWhenSet()
    {
        var response = new VoiceResponse().Reject(RejectReason.Busy).Reject(RejectReason.Rejected).Reject();

        Assert.Equal(
            Doc("<Response><Reject reason=\"busy\" /><Reject reason=\"rejected\" /><Reject /></Response>"),
            response.ToString());
    }
}
