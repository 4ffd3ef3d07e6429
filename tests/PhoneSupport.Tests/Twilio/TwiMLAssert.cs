using System.Text;
using System.Xml.Linq;
using PhoneSupport.Twilio;
using TwilioTwiML = Twilio.TwiML.TwiML;

namespace PhoneSupport.Tests.Twilio;

/// <summary>
/// Compares TwiML as parsed XML: element names, attributes (names and values, in any order), text and children in
/// order. The wire form is the one <see cref="TwiMLResult"/> sends.
/// </summary>
internal static class TwiMLAssert
{
    public const string Declaration = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";

    /// <summary>The document exactly as the service sends it.</summary>
    public static string Wire(TwilioTwiML response) => Encoding.UTF8.GetString(response.ToResult().ToUtf8Bytes());

    public static void Equal(string expectedElement, TwilioTwiML actual)
    {
        var wire = Wire(actual);
        Assert.StartsWith(Declaration, wire, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', wire);
        Equal(XElement.Parse(expectedElement), XDocument.Parse(wire).Root!);
    }

    public static void Equal(XElement expected, XElement actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(
            expected.Attributes().Select(a => (a.Name.ToString(), a.Value)).Order(),
            actual.Attributes().Select(a => (a.Name.ToString(), a.Value)).Order());
        var expectedNodes = expected.Nodes().ToList();
        var actualNodes = actual.Nodes().ToList();
        Assert.Equal(expectedNodes.Count, actualNodes.Count);
        for (var i = 0; i < expectedNodes.Count; i++)
        {
            switch (expectedNodes[i], actualNodes[i])
            {
                case (XElement e, XElement a):
                    Equal(e, a);
                    break;
                case (XText e, XText a):
                    Assert.Equal(e.Value, a.Value);
                    break;
                default:
                    Assert.Fail($"<{expected.Name}> node {i}: expected {expectedNodes[i]}, got {actualNodes[i]}");
                    break;
            }
        }
    }
}
