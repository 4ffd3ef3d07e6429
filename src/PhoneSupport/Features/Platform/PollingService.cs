namespace PhoneSupport.Features.Platform;

/// <summary>
/// A small background loop: every <c>interval</c>, a fresh scope and one pass of <typeparamref name="TWorker"/>;
/// a failed pass is logged and the loop goes on. Any number of instances may run it: the passes themselves
/// claim their rows with leases or row locks.
/// On shutdown the loop stops starting passes, a pass in flight is let finish (it is cancelled only when the host's
/// shutdown timeout runs out: an external call half done is worse than a late stop), then
/// <see cref="ReleaseAsync"/> gives back what this instance still holds.
/// </summary>
public abstract class PollingService<TWorker>(IServiceScopeFactory scopes, TimeProvider time, ILogger logger) : BackgroundService
    where TWorker : notnull
{
    private readonly CancellationTokenSource _hardStop = new();

    protected abstract bool Enabled { get; }

    protected abstract TimeSpan Interval { get; }

    /// <summary>Signalled when the host starts stopping: a pass should not start new work (the pass's own token stays live).</summary>
    protected CancellationToken Stopping { get; private set; }

    protected abstract Task PassAsync(TWorker worker, CancellationToken ct);

    /// <summary>After the last pass of a stopping host: release leases this instance holds. Nothing by default.</summary>
    protected virtual Task ReleaseAsync(TWorker worker, CancellationToken ct) => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled) return;
        Stopping = stoppingToken;
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    using var scope = scopes.CreateScope();
                    await PassAsync(scope.ServiceProvider.GetRequiredService<TWorker>(), _hardStop.Token);
                }
                catch (Exception e) when (!_hardStop.IsCancellationRequested)
                {
                    logger.LogError(e, "A {Worker} pass failed; the next pass retries", typeof(TWorker).Name);
                }
            }
            while (!stoppingToken.IsCancellationRequested && await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping between passes.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await using var hard = cancellationToken.Register(() => _hardStop.Cancel());
        await base.StopAsync(cancellationToken);
        if (!Enabled) return;
        try
        {
            using var scope = scopes.CreateScope();
            await ReleaseAsync(scope.ServiceProvider.GetRequiredService<TWorker>(), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "{Worker} could not release its leases on shutdown; they run out by themselves", typeof(TWorker).Name);
        }
    }

    public override void Dispose()
    {
        _hardStop.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }
}
