using PhoneSupport.Features.Admin;
using PhoneSupport.Features.Audit;
using PhoneSupport.Features.Billing;
using PhoneSupport.Features.Callbacks;
using PhoneSupport.Features.Calls;
using PhoneSupport.Features.Closures;
using PhoneSupport.Features.PolicyVersions;
using PhoneSupport.Features.Console;
using PhoneSupport.Features.Development;
using PhoneSupport.Features.Entitlements;
using PhoneSupport.Features.Hardening;
using PhoneSupport.Features.Messages;
using PhoneSupport.Features.Observability;
using PhoneSupport.Features.Platform;
using PhoneSupport.Features.Queue;
using PhoneSupport.Features.Reports;
using PhoneSupport.Features.Routing;
using PhoneSupport.Features.Sla;
using PhoneSupport.Features.Voice;
using PhoneSupport.Features.WhatIf;
using PhoneSupport.Twilio;

// `--migrate-only`: apply the migrations under the advisory lock and exit (the Kubernetes migration Job).
var migrateOnly = args.Contains("--migrate-only");
args = [.. args.Where(a => a != "--migrate-only")];

// The content root is the service's own folder, so it runs from any working directory
// (the test host passes its own content root and keeps it).

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = args.Any(a => a.Contains("contentRoot", StringComparison.OrdinalIgnoreCase)) ? null : AppContext.BaseDirectory,
});

builder.AddPlatform();
builder.AddHardening();
builder.AddProxySupport();
builder.AddProblemResponses();
builder.AddTelemetry();
builder.AddEntitlements();
builder.AddCallRouting();
builder.AddCallbacks();
builder.AddSla();
builder.AddPriorityQueue();
builder.AddBilling();
builder.AddMessages();
builder.AddReports();
builder.AddWhatIf();
builder.AddAdmin();
builder.AddCalls();
builder.AddAudit();
builder.AddClosures();
builder.AddPolicyVersions();
builder.AddVoice();
builder.AddDevelopment();
builder.AddConsole();

var app = builder.Build();
await app.MigrateDatabaseAsync();
if (migrateOnly) return;

app.UseProblemResponses();
app.UseHardening();
app.UseTelemetry();

app.MapHealth();
app.CheckFlows();

// Every Twilio webhook, in one group: signature-checked (403 otherwise; the signature replaces antiforgery), answered with
// apology TwiML if the handler fails, on one database connection per request. Later steps are reached only through URLs the
// service writes into TwiML.
var twilio = app.MapGroup("/twilio").ValidateTwilioRequest().AddEndpointFilter<VoiceFallbackFilter>().HoldOneConnection()
    .DisableAntiforgery().ExcludeFromDescription();
twilio.MapVoiceCalls();      // /voice, /voice/step, /voice/status, /voice/queue/connect
twilio.MapQueue();           // /voice/queue/wait, /voice/queue/choice
twilio.MapWhisper();         // /voice/whisper, /voice/whisper/answer
twilio.MapTransferCalls();   // /voice/transfer, /voice/transfer/whisper, /voice/transfer/answer, /voice/transfer/leg, /voice/transfer/ended
twilio.MapCallbackCalls();   // /voice/callback, /voice/callback/accept, /voice/callback/dialed, /voice/callback/status
twilio.MapMessageWebhooks(); // /voice/recording, /sms
app.MapStripeWebhook();      // /stripe/webhook: Stripe's signature, checked on the raw body
app.MapAdmin();
app.MapDevelopment();
app.MapConsole();

app.Run();

/// <summary>Entry point, visible to <c>WebApplicationFactory</c> in the integration tests.</summary>
public partial class Program;
