namespace PhoneSupport.Twilio;

/// <summary>A TwiML document is larger than Twilio accepts (error 11750, 64 kB).</summary>
public sealed class TwiMLTooLargeException : InvalidOperationException
{
    public TwiMLTooLargeException()
        : this("The TwiML document is larger than Twilio accepts (error 11750).")
    {
    }

    public TwiMLTooLargeException(string message)
        : base(message)
    {
        Limit = TwiMLResult.MaxDocumentBytes;
    }

    public TwiMLTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
        Limit = TwiMLResult.MaxDocumentBytes;
    }

    public TwiMLTooLargeException(int size, int limit)
        : base($"The TwiML document is {size} bytes; Twilio accepts at most {limit} bytes (error 11750).")
    {
        Size = size;
        Limit = limit;
    }

    /// <summary>The UTF-8 size of the rejected document, in bytes.</summary>
    public int Size { get; }

    /// <summary>The limit that was exceeded, in bytes.</summary>
    public int Limit { get; }
}
