using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PhoneSupport.Tests.Hardening;

/// <summary>Keeps every log entry of a host (message, exception, scope values) for tests that read the logs.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<Entry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose() { }

    public sealed record Entry(string Category, LogLevel Level, string Message, string? Exception, IReadOnlyList<KeyValuePair<string, object?>> Scope)
    {
        public string Text => string.Join(" | ", [Category, Message, Exception ?? "", .. Scope.Select(s => $"{s.Key}={s.Value}")]);
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scope = new List<KeyValuePair<string, object?>>();
            if (state is IEnumerable<KeyValuePair<string, object?>> fields) scope.AddRange(fields.Where(f => f.Key != "{OriginalFormat}"));
            provider._scopes.ForEachScope((s, list) =>
            {
                if (s is IEnumerable<KeyValuePair<string, object?>> pairs) list.AddRange(pairs);
                else if (s is not null) list.Add(new("scope", s.ToString()));
            }, scope);
            provider.Entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception?.ToString(), scope));
        }
    }
}
