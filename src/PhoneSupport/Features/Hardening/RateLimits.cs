using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PhoneSupport.Data;
using PhoneSupport.Features.Platform;

namespace PhoneSupport.Features.Hardening;

/// <summary>
/// <c>PhoneSupport:RateLimits</c>: fixed one-minute windows counted in PostgreSQL, so every instance behind the load
/// balancer shares them. The defaults are far above what a person or a well-behaved script does, and a call storm
/// comes from many numbers, each calling once or twice.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "PhoneSupport:RateLimits";

    /// <summary>New calls (<c>POST /twilio/voice</c>) one caller number may start per minute; 0 switches the limit off.</summary>
    [Range(0, int.MaxValue)]
    public int CallerPerMinute { get; set; } = 30;

    /// <summary>Admin API requests one API key may make per minute; 0 switches the limit off.</summary>
    [Range(0, int.MaxValue)]
    public int ApiKeyPerMinute { get; set; } = 1200;

    /// <summary>
    /// Failed console sign-ins one client address may make per <see cref="FailureWindow"/> (any user names, known or not);
    /// beyond it the sign-in page answers 429 without checking anything. 0 switches the limit off.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int SignInFailuresPerAddress { get; set; } = 20;

    /// <summary>
    /// Failed admin API keys (unknown or revoked bearer tokens) one client address may present per <see cref="FailureWindow"/>;
    /// beyond it every <c>/api</c> request from that address is 429 until the window ends. 0 switches the limit off.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int ApiKeyFailuresPerAddress { get; set; } = 20;

    /// <summary>The fixed window the failures per address are counted in (at most <see cref="KeepFor"/>).</summary>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often old counter rows are deleted (by whichever instance runs the pass).</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Counter rows whose window started longer ago than this are deleted.</summary>
    public TimeSpan KeepFor { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>What one counted hit answered.</summary>
public readonly record struct RateLimitDecision(bool Allowed, int Hits, int Limit, TimeSpan RetryAfter)
{
    /// <summary>Retry-After in whole seconds (at least 1).</summary>
    public string RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling(RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// A rate-limit hit that a handler counts itself, inside the statement that does its work (see
/// <see cref="PostgresRateLimiter.Pending(string, string, int, DateTimeOffset)"/>). <see cref="Decision"/> is set once it
/// has been counted; a hit the handler never counted (it answered without writing) is counted by the filter afterwards.
/// </summary>
public sealed class PendingRateLimitHit(string scope, string key, int limit, DateTimeOffset windowStart, DateTimeOffset now)
{
    public string Scope { get; } = scope;
    public string Key { get; } = key;
    public int Limit { get; } = limit;
    public DateTimeOffset WindowStart { get; } = windowStart;
    public DateTimeOffset Now { get; } = now;

    /// <summary>What counting the hit answered; null while it has not been counted.</summary>
    public RateLimitDecision? Decision { get; private set; }

    /// <summary>Records the count the upsert returned, and answers whether it is within the limit.</summary>
    public RateLimitDecision Decide(int hits)
    {
        Decision = new RateLimitDecision(hits <= Limit, hits, Limit, WindowStart + PostgresRateLimiter.Window - Now);
        return Decision.Value;
    }
}

/// <summary>
/// Counts a hit and answers whether it is within the limit, in one round trip: an upsert on
/// <c>(scope, key, window_start)</c> that returns the new count. Windows on the service's one time source
/// (<see cref="TimeProvider"/>, decision 016): when the development clock jumps ahead a new window simply starts.
/// </summary>
public sealed class PostgresRateLimiter(PhoneSupportDb db, TimeProvider time)
{
    public const string CallerScope = "caller";
    public const string ApiKeyScope = "api-key";
    public const string SignInAddressScope = "sign-in-address";
    public const string ApiKeyAddressScope = "api-key-address";
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public Task<RateLimitDecision> HitAsync(string scope, string key, int limit, CancellationToken ct) =>
        HitAsync(scope, key, limit, time.GetUtcNow(), ct);

    public async Task<RateLimitDecision> HitAsync(string scope, string key, int limit, DateTimeOffset now, CancellationToken ct)
    {
        if (limit <= 0) return new RateLimitDecision(true, 0, 0, TimeSpan.Zero);
        var hit = Pending(scope, key, limit, now);
        var hits = await db.Database.SqlQuery<int>($"""
            insert into rate_limit_counters as c (scope, key, window_start, hits) values ({hit.Scope}, {hit.Key}, {hit.WindowStart.UtcDateTime}, 1)
            on conflict (scope, key, window_start) do update set hits = c.hits + 1
            returning c.hits as "Value"
            """).ToListAsync(ct);
        return hit.Decide(hits.Single());
    }

    /// <summary>
    /// A hit not yet counted, for a handler that counts it in the same SQL statement as the write it guards (the
    /// incoming-call webhook: counter and new call in one round trip). The upsert is the same as <see cref="HitAsync(string, string, int, DateTimeOffset, CancellationToken)"/>.
    /// </summary>
    public PendingRateLimitHit Pending(string scope, string key, int limit, DateTimeOffset now) =>
        new(scope, key, limit, new DateTimeOffset(now.UtcTicks - now.UtcTicks % Window.Ticks, TimeSpan.Zero), now);

    public PendingRateLimitHit Pending(string scope, string key, int limit) => Pending(scope, key, limit, time.GetUtcNow());

    /// <summary>
    /// Counts a hit in a fixed window of <paramref name="window"/> (the failures per client address): the same upsert, one round
    /// trip, so parallel requests on any instance are counted exactly.
    /// </summary>
    public async Task<RateLimitDecision> HitAsync(string scope, string key, int limit, TimeSpan window, CancellationToken ct)
    {
        if (limit <= 0) return new RateLimitDecision(true, 0, 0, TimeSpan.Zero);
        var now = time.GetUtcNow();
        var start = WindowStart(now, window);
        var hits = (await db.Database.SqlQuery<int>($"""
            insert into rate_limit_counters as c (scope, key, window_start, hits) values ({scope}, {key}, {start.UtcDateTime}, 1)
            on conflict (scope, key, window_start) do update set hits = c.hits + 1
            returning c.hits as "Value"
            """).ToListAsync(ct)).Single();
        return new RateLimitDecision(hits <= limit, hits, limit, start + window - now);
    }

    /// <summary>Takes back a hit counted by <see cref="HitAsync(string, string, int, TimeSpan, CancellationToken)"/> (the attempt succeeded).</summary>
    public Task<int> GiveBackAsync(string scope, string key, TimeSpan window, CancellationToken ct)
    {
        var start = WindowStart(time.GetUtcNow(), window).UtcDateTime;
        return db.Database.ExecuteSqlAsync($"update rate_limit_counters set hits = hits - 1 where scope = {scope} and key = {key} and window_start = {start} and hits > 0", ct);
    }

    /// <summary>The current window of length <paramref name="window"/>: its start and the time left in it.</summary>
    public (DateTimeOffset Start, TimeSpan Left) CurrentWindow(TimeSpan window)
    {
        var now = time.GetUtcNow();
        var start = WindowStart(now, window);
        return (start, start + window - now);
    }

    /// <summary>The start of the fixed window of length <paramref name="window"/> that <paramref name="now"/> falls in.</summary>
    public static DateTimeOffset WindowStart(DateTimeOffset now, TimeSpan window) => new(now.UtcTicks - now.UtcTicks % window.Ticks, TimeSpan.Zero);

    /// <summary>
    /// The client's address as a counter key (a SHA-256 digest, like caller numbers): the connection's remote address, which
    /// the forwarded-headers middleware sets from the trusted proxy's header when one is configured.
    /// </summary>
    public static string AddressKey(HttpContext context) => CallerKey(context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    /// <summary>Deletes windows that ended long ago; returns how many rows went.</summary>
    public Task<int> CleanupAsync(TimeSpan keepFor, CancellationToken ct)
    {
        var before = (time.GetUtcNow() - keepFor).UtcDateTime;
        return db.Database.ExecuteSqlAsync($"delete from rate_limit_counters where window_start < {before}", ct);
    }

    /// <summary>Caller numbers are counted by digest: the table never holds a phone number.</summary>
    public static string CallerKey(string number) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(number)));
}

/// <summary>Deletes old counter rows every <see cref="RateLimitOptions.CleanupInterval"/>.</summary>
public sealed class RateLimitCleanupService(IServiceScopeFactory scopes, TimeProvider time, IOptions<RateLimitOptions> options, ILogger<RateLimitCleanupService> logger)
    : PollingService<PostgresRateLimiter>(scopes, time, logger)
{
    protected override bool Enabled => options.Value.CleanupInterval > TimeSpan.Zero;

    protected override TimeSpan Interval => options.Value.CleanupInterval;

    protected override Task PassAsync(PostgresRateLimiter worker, CancellationToken ct) => worker.CleanupAsync(options.Value.KeepFor, ct);
}
