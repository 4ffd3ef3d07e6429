using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PhoneSupport.Features.Platform;
using PhoneSupport.Stripe;

namespace PhoneSupport.Features.Billing;

/// <summary>
/// One pass of the billing outbox: enqueues the month jobs now due (<see cref="MonthlyInvoiceScheduler"/>), claims due jobs
/// (<see cref="BillingJobQueue"/>) and hands each to its handler by kind — <c>invoice</c>, <c>item</c> and <c>month</c> to
/// <see cref="InvoicePosting"/>, <c>undo</c> to <see cref="ChargeReversal"/> — then finishes it, or retries it later when
/// the failure was transient (Stripe 409/429/5xx, a timeout, a concurrent change). A job Stripe refused fails, its charges
/// explained for finance.
/// </summary>
public sealed class BillingOutbox(BillingJobQueue queue, MonthlyInvoiceScheduler months, InvoicePosting posting, ChargeReversal reversal, ChargeTrail trail,
    ILogger<BillingOutbox> logger)
{
    /// <summary>One pass: claims up to <see cref="BillingOptions.BatchSize"/> due jobs and works them. Returns how many it worked.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        await months.ScheduleMonthsAsync(ct);
        var ids = await queue.ClaimAsync(ct);
        foreach (var id in ids)
        {
            var job = await queue.LoadAsync(id, ct);
            BillingJobOutcome outcome;
            try
            {
                outcome = job.Kind == BillingJob.Undo ? await reversal.ReverseAsync(job, ct) : await posting.PostAsync(job, ct);
            }
            catch (Exception e) when (Transient(e) && !ct.IsCancellationRequested)
            {
                logger.LogWarning("Billing job {Job} attempt {Attempt} failed ({Error}); retrying later", job.Id, job.Attempts, e.Message);
                outcome = BillingJobOutcome.Later(Describe(e));
            }
            catch (StripeApiException e)
            {
                logger.LogError("Stripe refused billing job {Job}: {Status} {Type} {Code} {Message}", job.Id, e.Status, e.Type, e.Code, e.Message);
                await trail.ExplainRefusalAsync(job, $"Stripe refused it: {e.Message}", ct);
                outcome = BillingJobOutcome.Failed(Describe(e));
            }
            await queue.CompleteAsync(id, outcome, ct);
        }
        return ids.Count;
    }

    private static bool Transient(Exception e) => e switch
    {
        StripeApiException s => s.ShouldRetry ?? (s.Status is 409 or 429 or >= 500),
        TimeoutException or HttpRequestException or DbUpdateConcurrencyException => true,
        _ => false,
    };

    private static string Describe(Exception e) => e is StripeApiException s ? $"{s.Status} {s.Type} {s.Code}: {s.Message}" : $"{e.GetType().Name}: {e.Message}";
}

/// <summary>Runs <see cref="BillingOutbox"/> on every instance (<c>PhoneSupport:Billing:WorkerEnabled</c>).</summary>
public sealed class BillingOutboxService(IServiceScopeFactory scopes, IOptions<BillingOptions> options, TimeProvider time, ILogger<BillingOutboxService> logger)
    : PollingService<BillingOutbox>(scopes, time, logger)
{
    protected override bool Enabled => options.Value.WorkerEnabled;

    protected override TimeSpan Interval => options.Value.PollInterval;

    protected override async Task PassAsync(BillingOutbox worker, CancellationToken ct)
    {
        while (await worker.RunOnceAsync(ct) >= options.Value.BatchSize) { }
    }
}
