using System.Text.Json;
using PhoneSupport.Emulators.Twilio;

namespace PhoneSupport.Tests.Emulators;

public sealed class TwilioSignerTests
{
    public static TheoryData<int, string, string, string, string> ValidFormVectors()
    {
        var data = new TheoryData<int, string, string, string, string>();
        var index = 0;
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "twilio-signature-vectors.json")));
        foreach (var vector in json.RootElement.EnumerateArray())
        {
            index++;
            if (vector.GetProperty("valid").GetBoolean() && vector.TryGetProperty("params", out var parameters))
            {
                data.Add(index, vector.GetProperty("authToken").GetString()!, vector.GetProperty("signedUrl").GetString()!,
                    parameters.GetRawText(), vector.GetProperty("signature").GetString()!);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ValidFormVectors))]
    public void Signs_like_twilio_on_the_published_vectors(int vector, string authToken, string url, string parametersJson, string signature)
    {
        using var parameters = JsonDocument.Parse(parametersJson);
        var pairs = new List<KeyValuePair<string, string?>>();
        foreach (var property in parameters.RootElement.EnumerateObject())
        {
            var values = property.Value.ValueKind == JsonValueKind.Array
                ? property.Value.EnumerateArray().Select(v => v.GetString())
                : [property.Value.ValueKind == JsonValueKind.Null ? null : property.Value.GetString()];
            pairs.AddRange(values.Select(v => KeyValuePair.Create(property.Name, v)));
        }

        Assert.True(vector > 0);
        Assert.Equal(signature, TwilioSigner.Sign(authToken, url, pairs));
    }

    [Fact]
    public void Sorts_by_name_ordinally_not_by_name_and_value()
    {
        var text = TwilioSigner.StringToSign("https://h/p", [new("ReasonConferenceEnded", "x"), new("Reason", "z"), new("callSid", "b"), new("CallSid", "a")]);

        Assert.Equal("https://h/pCallSidaReasonzReasonConferenceEndedxcallSidb", text);
    }
}
