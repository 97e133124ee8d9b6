using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Dhee.Tests.Diagnostics;

/// <summary>Records every log entry at every level: category, formatted message, exception text and the scopes open around it.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyList<Entry> Entries => [.. _entries];

    /// <summary>Gets everything recorded (messages, exceptions, scopes) as one text to search.</summary>
    public string AllText => string.Join("\n", _entries.Select(e => $"{e.Category} {e.Level}: {e.Message} {e.Exception} [{string.Join(" | ", e.Scopes)}]"));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    internal sealed record Entry(string Category, LogLevel Level, string Message, string? Exception, IReadOnlyList<string> Scopes);

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        private readonly AsyncLocal<ImmutableScopes?> _scopes = new();

        public IDisposable BeginScope<TState>(TState state)
            where TState : notnull
        {
            var parent = _scopes.Value;
            _scopes.Value = new ImmutableScopes(state.ToString() ?? string.Empty, parent);
            return new Pop(() => _scopes.Value = parent);
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<string>();
            for (var s = _scopes.Value; s is not null; s = s.Parent)
            {
                scopes.Add(s.Text);
            }

            owner._entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception?.ToString(), scopes));
        }
    }

    private sealed record ImmutableScopes(string Text, ImmutableScopes? Parent);

    private sealed class Pop(Action pop) : IDisposable
    {
        public void Dispose() => pop();
    }
}
