using PhoneSupport.Emulators.Twilio;

namespace PhoneSupport.Tests.Infrastructure;

/// <summary>Whole calls played by the call driver (Twilio's side) against the in-memory host; the call must not fail.</summary>
public static class SimulatedCalls
{
    public static async Task<(CallResult Result, string Said)> CallAsync(
        ServiceFixture fixture, string to, string from, ScriptedCaller caller, TechnicianScript? technicians = null, HttpClient? client = null)
    {
        var driver = new CallDriver(client ?? fixture.Factory.CreateClient(), new CallDriverOptions
        {
            VoiceUrl = ServiceFixture.PublicBaseUrl + "/twilio/voice",
            AuthToken = ServiceFixture.AuthToken,
            AccountSid = ServiceFixture.AccountSid,
            From = from,
            To = to,
            Caller = caller,
            Technician = technicians ?? new TechnicianScript(),
            StartTime = fixture.Clock.GetCurrentInstant().ToDateTimeOffset(),
        });
        var result = await driver.RunAsync();
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Transcript));
        return (result, string.Join(" ", result.OfKind(TranscriptKind.Said).Select(e => e.Text)));
    }
}
