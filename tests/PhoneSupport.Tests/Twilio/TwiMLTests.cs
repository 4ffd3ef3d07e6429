using PhoneSupport.Twilio;
using Twilio.TwiML;
using Twilio.TwiML.Voice;
using Xunit;
using HttpMethod = Twilio.Http.HttpMethod;
using Record = Twilio.TwiML.Voice.Record;

namespace PhoneSupport.Tests.Twilio;

/// <summary>
/// The wire spelling of every verb and attribute the service (and the Twilio emulator reading it) relies on, as the
/// Twilio library writes it through <see cref="PhoneSupport.Twilio.TwiMLResult"/>; compared as parsed XML.
/// </summary>
public sealed class TwiMLTests
{
    [Fact]
    public void EmptyResponse_IsAnEmptyResponseElement()
    {
        TwiMLAssert.Equal("<Response />", new VoiceResponse());
    }

    [Fact]
    public void Hangup_IsAnEmptyElement()
    {
        TwiMLAssert.Equal("<Response><Hangup /></Response>", new VoiceResponse().Hangup());
    }

    [Fact]
    public void Say_WritesVoiceLoopLanguage()
    {
        var response = new VoiceResponse()
            .Say("Hello", voice: "Polly.Joanna", language: "en-US")
            .Say("message", voice: "man", loop: 1, language: "af-ZA");

        TwiMLAssert.Equal(
            "<Response><Say voice=\"Polly.Joanna\" language=\"en-US\">Hello</Say>"
            + "<Say voice=\"man\" loop=\"1\" language=\"af-ZA\">message</Say></Response>",
            response);
    }

    [Fact]
    public void Say_WithoutAttributes_WritesOnlyText()
    {
        TwiMLAssert.Equal("<Response><Say>Hi</Say></Response>", new VoiceResponse().Say("Hi"));
    }

    [Fact]
    public void Utter_WithUnsetVoiceOrLanguage_LeavesTheAttributeOut()
    {
        // The library's string enums throw on a null string: TwiMLSay passes unset values as no attribute.
        var gather = new Gather(input: [Gather.InputEnum.Speech], language: TwiMLSay.GatherLanguage(null)).Utter("Bonjour", null, "fr-FR");
        var response = new VoiceResponse().Utter("Hi", null, null).Utter("Hallo", "Polly.Vicki", null).Append(gather);

        TwiMLAssert.Equal(
            "<Response><Say>Hi</Say><Say voice=\"Polly.Vicki\">Hallo</Say>"
            + "<Gather input=\"speech\"><Say language=\"fr-FR\">Bonjour</Say></Gather></Response>",
            response);
        TwiMLAssert.Equal(
            "<Response><Gather language=\"de-DE\" /></Response>",
            new VoiceResponse().Append(new Gather(language: TwiMLSay.GatherLanguage("de-DE"))));
    }

    [Fact]
    public void Play_WritesUrlAsTextAndDigitsAsAttribute()
    {
        var response = new VoiceResponse()
            .Play(new Uri("https://example.com"), loop: 1, digits: "digits")
            .Play(digits: "ww1234");

        TwiMLAssert.Equal(
            "<Response><Play loop=\"1\" digits=\"digits\">https://example.com</Play><Play digits=\"ww1234\" /></Response>",
            response);
    }

    [Fact]
    public void Pause_WritesLength()
    {
        TwiMLAssert.Equal("<Response><Pause length=\"3\" /><Pause /></Response>", new VoiceResponse().Pause(3).Pause());
    }

    [Fact]
    public void Gather_WithEveryAttribute_WritesCamelCaseNamesAndNestedVerbs()
    {
        var gather = new Gather(
            input: [Gather.InputEnum.Dtmf, Gather.InputEnum.Speech],
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

        TwiMLAssert.Equal(
            "<Response><Gather input=\"dtmf speech\" action=\"https://example.com/gather?step=1&amp;x=2\" method=\"GET\""
            + " timeout=\"1\" speechTimeout=\"auto\" finishOnKey=\"#\" numDigits=\"1\" language=\"en-US\""
            + " hints=\"billing, support\" actionOnEmptyResult=\"true\">"
            + "<Say voice=\"man\" loop=\"1\" language=\"af-ZA\">message</Say><Pause length=\"1\" />"
            + "<Play loop=\"1\">https://example.com</Play></Gather></Response>",
            new VoiceResponse().Append(gather));
    }

    [Theory]
    [InlineData("dtmf", "dtmf")]
    [InlineData("speech", "speech")]
    [InlineData("dtmf speech", "dtmf speech")]
    public void Gather_Input_IsLowercaseAndSpaceJoined(string inputs, string expected)
    {
        var input = inputs.Split(' ').Select(i => i == "dtmf" ? Gather.InputEnum.Dtmf : Gather.InputEnum.Speech).ToList();

        TwiMLAssert.Equal($"<Response><Gather input=\"{expected}\" /></Response>", new VoiceResponse().Append(new Gather(input)));
    }

    [Fact]
    public void Gather_WithEmptyFinishOnKeyAndFalseFlag_WritesThemExplicitly()
    {
        TwiMLAssert.Equal(
            "<Response><Gather finishOnKey=\"\" actionOnEmptyResult=\"false\" /></Response>",
            new VoiceResponse().Append(new Gather(finishOnKey: "", actionOnEmptyResult: false)));
    }

    [Fact]
    public void Dial_WithPlainNumberAndAttributes_WritesKebabRecordAndLowercaseBoolean()
    {
        var response = new VoiceResponse().Dial(
            "+15551234567",
            action: new Uri("https://example.com/voice/dial-complete"),
            method: HttpMethod.Post,
            timeout: 20,
            timeLimit: 600,
            callerId: "+15550000000",
            record: Dial.RecordEnum.RecordFromAnswerDual,
            answerOnBridge: true,
            ringTone: Dial.RingToneEnum.UsOld);

        TwiMLAssert.Equal(
            "<Response><Dial action=\"https://example.com/voice/dial-complete\" method=\"POST\" timeout=\"20\" timeLimit=\"600\""
            + " callerId=\"+15550000000\" record=\"record-from-answer-dual\" answerOnBridge=\"true\""
            + " ringTone=\"us-old\">+15551234567</Dial></Response>",
            response);
    }

    [Fact]
    public void Dial_DoNotRecordAndAnswerOnBridgeFalse_AreSpelledAsTwilioDocuments()
    {
        TwiMLAssert.Equal(
            "<Response><Dial record=\"do-not-record\" answerOnBridge=\"false\">+15551234567</Dial></Response>",
            new VoiceResponse().Dial("+15551234567", record: Dial.RecordEnum.DoNotRecord, answerOnBridge: false));
    }

    [Fact]
    public void Dial_Number_WritesEveryAttributeAndSpaceJoinedEvents()
    {
        var dial = new Dial(answerOnBridge: true).Number(
            new global::Twilio.Types.PhoneNumber("+15017122661"),
            sendDigits: "wwww1928",
            url: new Uri("https://example.com/whisper?agent=a1&b=2"),
            method: HttpMethod.Get,
            statusCallbackEvent:
            [
                Number.EventEnum.Initiated, Number.EventEnum.Ringing, Number.EventEnum.Answered, Number.EventEnum.Completed,
            ],
            statusCallback: new Uri("https://example.com/status"),
            statusCallbackMethod: HttpMethod.Post);

        TwiMLAssert.Equal(
            "<Response><Dial answerOnBridge=\"true\"><Number sendDigits=\"wwww1928\""
            + " url=\"https://example.com/whisper?agent=a1&amp;b=2\" method=\"GET\""
            + " statusCallbackEvent=\"initiated ringing answered completed\""
            + " statusCallback=\"https://example.com/status\" statusCallbackMethod=\"POST\">+15017122661</Number>"
            + "</Dial></Response>",
            new VoiceResponse().Append(dial));
    }

    [Fact]
    public void Dial_SeveralNumbers_KeepTheirOrder()
    {
        var dial = new Dial().Number(new global::Twilio.Types.PhoneNumber("+15550000001"))
            .Number(new global::Twilio.Types.PhoneNumber("+15550000002"), url: new Uri("https://example.com/w"));

        TwiMLAssert.Equal(
            "<Response><Dial><Number>+15550000001</Number><Number url=\"https://example.com/w\">+15550000002</Number></Dial></Response>",
            new VoiceResponse().Append(dial));
    }

    [Fact]
    public void Dial_Queue_WritesUrlAndMethod()
    {
        var dial = new Dial().Queue("support", url: new Uri("https://example.com/about-to-connect"), method: HttpMethod.Get);

        TwiMLAssert.Equal(
            "<Response><Dial><Queue url=\"https://example.com/about-to-connect\" method=\"GET\">support</Queue></Dial></Response>",
            new VoiceResponse().Append(dial));
    }

    [Fact]
    public void Enqueue_WritesAttributes()
    {
        var response = new VoiceResponse().Enqueue(
            "support",
            action: new Uri("https://example.com/queue-done"),
            maxQueueSize: 10,
            method: HttpMethod.Post,
            waitUrl: new Uri("https://example.com/hold"),
            waitUrlMethod: HttpMethod.Get);

        TwiMLAssert.Equal(
            "<Response><Enqueue action=\"https://example.com/queue-done\" maxQueueSize=\"10\" method=\"POST\""
            + " waitUrl=\"https://example.com/hold\" waitUrlMethod=\"GET\">support</Enqueue></Response>",
            response);
    }

    [Fact]
    public void Redirect_WritesUrlAsTextAndUppercaseMethod()
    {
        var response = new VoiceResponse()
            .Redirect(new Uri("https://example.com"), HttpMethod.Get)
            .Redirect(new Uri("https://example.com/next?x=1&y=2"));

        TwiMLAssert.Equal(
            "<Response><Redirect method=\"GET\">https://example.com</Redirect>"
            + "<Redirect>https://example.com/next?x=1&amp;y=2</Redirect></Response>",
            response);
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
            trim: Record.TrimEnum.DoNotTrim,
            recordingStatusCallback: new Uri("https://example.com/recording?call=CA1&x=2"),
            transcribe: false);

        TwiMLAssert.Equal(
            "<Response><Record action=\"https://example.com/rec\" method=\"POST\" timeout=\"5\" finishOnKey=\"#\""
            + " maxLength=\"120\" playBeep=\"false\" trim=\"do-not-trim\" recordingStatusCallback=\"https://example.com/recording?call=CA1&amp;x=2\""
            + " transcribe=\"false\" /></Response>",
            response);
    }

    [Fact]
    public void Record_TrimSilenceAndPlayBeepTrue_AreSpelledAsTwilioDocuments()
    {
        TwiMLAssert.Equal(
            "<Response><Record playBeep=\"true\" trim=\"trim-silence\" transcribe=\"true\" /></Response>",
            new VoiceResponse().Record(playBeep: true, trim: Record.TrimEnum.TrimSilence, transcribe: true));
    }

    [Fact]
    public void Reject_WritesReasonOnlyWhenSet()
    {
        var response = new VoiceResponse().Reject(Reject.ReasonEnum.Busy).Reject(Reject.ReasonEnum.Rejected).Reject();

        TwiMLAssert.Equal(
            "<Response><Reject reason=\"busy\" /><Reject reason=\"rejected\" /><Reject /></Response>",
            response);
    }

    [Fact]
    public void Leave_IsAnEmptyElement()
    {
        TwiMLAssert.Equal("<Response><Leave /></Response>", new VoiceResponse().Leave());
    }

    [Fact]
    public void MessagingResponse_WritesMessageText()
    {
        TwiMLAssert.Equal(
            "<Response><Message>Quote accepted &amp; scheduled.</Message></Response>",
            new MessagingResponse().Message("Quote accepted & scheduled."));
        TwiMLAssert.Equal("<Response />", new MessagingResponse());
    }
}
