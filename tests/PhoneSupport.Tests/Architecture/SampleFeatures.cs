// Three tiny "features" for FeatureGraphTests: the reader must see uses that appear only inside method bodies.
namespace PhoneSupport.Tests.Architecture.SampleFeatures.Alpha
{
    public sealed class Dialler
    {
        // Beta's type named unqualified-by-feature (through the shared root namespace), only inside a lambda's body.
        public Func<int> Later() => () => new Beta.Ledger().Count;
    }
}

namespace PhoneSupport.Tests.Architecture.SampleFeatures.Beta
{
    public sealed class Ledger
    {
        public int Count { get; private set; }

        // Alpha's type only as an async method's local (it lives in the compiler's state machine).
        public async Task<int> TouchAsync()
        {
            await Task.Yield();
            var dialler = new Alpha.Dialler();
            Count++;
            return dialler.Later()();
        }
    }
}

namespace PhoneSupport.Tests.Architecture.SampleFeatures.Gamma
{
    public static class Reader
    {
        public static int Read(object o) => o is Beta.Ledger ledger ? ledger.Count : 0;
    }
}
