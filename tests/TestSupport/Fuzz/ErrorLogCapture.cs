using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.TestSupport.Fuzz;

/// <summary>
/// Every Error or Critical log line of a host under fuzzing: an unhandled exception in a request or a socket session
/// shows here even when the client saw only a dropped connection.
/// </summary>
public sealed class ErrorLogCapture : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>What was logged since the last call, emptied.</summary>
    public List<string> Take()
    {
        var taken = new List<string>();
        while (Entries.TryDequeue(out var entry))
        {
            taken.Add(entry);
        }

        return taken;
    }

    public void Dispose()
    {
    }

    private sealed class Logger(ErrorLogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                capture.Entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
