namespace PhoneSupport.Domain.Flows;

/// <summary>A problem in a flow or policy file, pointing at the file and line.</summary>
public sealed record FlowError(string File, int Line, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Message}";
}

/// <summary>Thrown at start-up when a flow file is refused; the message lists every problem found.</summary>
public sealed class InvalidFlowException(IReadOnlyList<FlowError> errors)
    : Exception("IVR flow validation failed:" + Environment.NewLine + string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<FlowError> Errors { get; } = errors;
}
