using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace PhoneSupport.Twilio.TwiML;

/// <summary>
/// One TwiML element: a PascalCase name, camelCase attributes (only those that were set), optional text and
/// child elements. <see cref="ToString"/> renders the XML declaration followed by the element on one line.
/// </summary>
public abstract class TwiMLElement
{
    /// <summary>The declaration written before every document, with nothing in front of it (Twilio error 12100).</summary>
    public const string XmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

    /// <summary>Twilio rejects TwiML bodies larger than 64 kB (error 11750).</summary>
    public const int MaxDocumentBytes = 64 * 1024;

    private static readonly XmlWriterSettings WriterSettings = new()
    {
        OmitXmlDeclaration = true,
        Indent = false,
        NewLineChars = "\n",
        NewLineHandling = NewLineHandling.Replace,
    };

    private readonly List<TwiMLElement> children = [];

    protected TwiMLElement(string elementName)
    {
        ArgumentException.ThrowIfNullOrEmpty(elementName);
        ElementName = elementName;
    }

    /// <summary>The element name as written, e.g. <c>Gather</c>.</summary>
    public string ElementName { get; }

    /// <summary>The nested elements, in the order they were appended.</summary>
    public IReadOnlyList<TwiMLElement> Children => children;

    /// <summary>The text content of the element; <c>null</c> for none.</summary>
    protected virtual string? Text => null;

    /// <summary>The attributes in document order; entries with a <c>null</c> value are not written.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> GetAttributes() => [];

    /// <summary>Adds <paramref name="child"/> after the existing children.</summary>
    protected void AppendChild(TwiMLElement child)
    {
        ArgumentNullException.ThrowIfNull(child);
        if (ReferenceEquals(child, this))
        {
            throw new ArgumentException("A TwiML element cannot contain itself.", nameof(child));
        }

        children.Add(child);
    }

    /// <summary>Builds the element tree as an <see cref="XElement"/> (escaping is done by System.Xml).</summary>
    public XElement ToXElement()
    {
        var element = new XElement(ElementName);
        foreach (var (name, value) in GetAttributes())
        {
            if (value is not null)
            {
                element.SetAttributeValue(name, value);
            }
        }

        if (Text is { } text)
        {
            element.Add(new XText(text));
        }

        foreach (var child in children)
        {
            element.Add(child.ToXElement());
        }

        return element;
    }

    /// <summary>
    /// The whole document: <see cref="XmlDeclaration"/> directly followed by the element on one line,
    /// empty elements self-closed as <c>&lt;Hangup /&gt;</c>.
    /// </summary>
    /// <exception cref="TwiMLTooLargeException">The UTF-8 document exceeds <see cref="MaxDocumentBytes"/>.</exception>
    public override string ToString()
    {
        var builder = new StringBuilder(XmlDeclaration);
        using (var writer = XmlWriter.Create(builder, WriterSettings))
        {
            ToXElement().WriteTo(writer);
        }

        var document = builder.ToString();
        var size = Encoding.UTF8.GetByteCount(document);
        if (size > MaxDocumentBytes)
        {
            throw new TwiMLTooLargeException(size, MaxDocumentBytes);
        }

        return document;
    }

    /// <summary>The document of <see cref="ToString"/> as UTF-8 bytes without a byte-order mark.</summary>
    public byte[] ToUtf8Bytes() => Encoding.UTF8.GetBytes(ToString());
}

/// <summary>A verb: an element allowed directly under <c>&lt;Response&gt;</c>.</summary>
public abstract class TwiMLVerb(string elementName) : TwiMLElement(elementName);
