namespace PhoneSupport.Load;

public static partial class Scenarios
{
    public static Task<bool> StormAsync(Harness harness, Args args) => throw new NotImplementedException();
    public static Task<bool> FaultsAsync(Harness harness, string which, Args args) => throw new NotImplementedException();
    public static Task<bool> AllAsync(Harness harness, Args args) => throw new NotImplementedException();
}
