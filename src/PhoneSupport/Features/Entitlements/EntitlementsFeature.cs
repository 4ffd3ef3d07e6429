using Microsoft.Extensions.Options;
using PhoneSupport.Configuration;
using PhoneSupport.Features.CallCore;

namespace PhoneSupport.Features.Entitlements;

public static class EntitlementsFeature
{
    /// <summary>The policies (from <c>PhoneSupport:FlowsPath</c>; <c>For</c> answers the version effective at the clock's now), the allowance ledger, the lockout and the decision service.</summary>
    public static WebApplicationBuilder AddEntitlements(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => FlowFiles.LoadPolicies(sp.GetRequiredService<IOptions<PhoneSupportOptions>>().Value.FlowsDirectory())
            .UseClock(sp.GetRequiredService<NodaTime.IClock>()));
        builder.Services.AddScoped<AllowanceLedger>();
        builder.Services.AddScoped<IdentificationLockout>();
        builder.Services.AddScoped<EntitlementService>();
        return builder;
    }
}
