namespace PhoneSupport.Features.Platform;

/// <summary>
/// A small background loop: every <c>interval</c>, a fresh scope and one pass of <typeparamref name="TWorker"/>;
/// a failed pass is logged and the loop goes on. Any number of instances may run it: the passes themselves
/// claim their rows with leases or row locks.
/// </summary>
public abstract class PollingService<TWorker>(IServiceScopeFactory scopes, TimeProvider time, ILogger logger) : BackgroundService
    where TWorker : notnull
{
    protected abstract bool Enabled { get; }

    protected abstract TimeSpan Interval { get; }

    protected abstract Task PassAsync(TWorker worker, CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled) return;
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                using var scope = scopes.CreateScope();
                await PassAsync(scope.ServiceProvider.GetRequiredService<TWorker>(), stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "A {Worker} pass failed; the next pass retries", typeof(TWorker).Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
