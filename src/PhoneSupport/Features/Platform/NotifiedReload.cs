using Npgsql;

namespace PhoneSupport.Features.Platform;

/// <summary>
/// An instance's copy of rows every instance must see soon after a change (closures, policy versions): reloaded on a
/// PostgreSQL notification on <see cref="Channel"/> (LISTEN on a connection of its own: another instance's change arrives
/// within milliseconds of its commit) and every <see cref="PollEvery"/> in case a notification was lost while that
/// connection was being re-opened. The subclass says what a reload reads (<see cref="RefreshAsync"/>).
/// </summary>
public abstract class NotifiedReload(NpgsqlDataSource dataSource, TimeProvider time, ILogger logger) : BackgroundService
{
    public static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(30);

    protected NpgsqlDataSource DataSource { get; } = dataSource;

    protected ILogger Logger { get; } = logger;

    /// <summary>The notification channel that announces a change.</summary>
    protected abstract string Channel { get; }

    /// <summary>What is reloaded, for the log ("closures", "policy versions").</summary>
    protected abstract string What { get; }

    /// <summary>Reads the rows again and swaps them in.</summary>
    public abstract Task RefreshAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await DataSource.OpenConnectionAsync(stoppingToken);
                var changed = false;
                connection.Notification += (_, _) => changed = true;
                await using (var listen = new NpgsqlCommand($"listen {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                try
                {
                    await RefreshAsync(stoppingToken); // anything announced before the LISTEN took effect
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        changed = false;
                        await connection.WaitAsync(PollEvery, stoppingToken);
                        await RefreshAsync(stoppingToken); // on a notification, and every PollEvery without one
                        if (changed) Logger.LogInformation("{What} changed; reloaded", What);
                    }
                }
                finally
                {
                    // The pool does not reset connections (PlatformFeature: No Reset On Close): stop listening before this one goes back.
                    await Unlisten(connection);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Logger.LogWarning(e, "Listening for changes of {What} failed; reconnecting", What);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static async Task Unlisten(NpgsqlConnection connection)
    {
        try
        {
            await using var unlisten = new NpgsqlCommand("unlisten *", connection);
            await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // A broken connection is not returned to the pool.
        }
    }
}
