namespace Dhee.Cli.Commands;

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread, so no report can arrive after the command has returned and its writers are closed (unlike <see cref="Progress{T}"/>, which posts to the thread pool).</summary>
/// <typeparam name="T">The report type.</typeparam>
/// <param name="report">The handler.</param>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
