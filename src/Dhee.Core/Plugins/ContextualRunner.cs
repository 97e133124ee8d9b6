using System.Runtime.Loader;
using Dhee.Runners;

namespace Dhee.Plugins;

/// <summary>
/// Wraps a plugin's runner so that every call runs with the plugin's load context as the contextual reflection
/// context: <c>Type.GetType("…, PluginAssembly")</c> made by framework code on the plugin's behalf then finds the
/// plugin's assemblies.
/// </summary>
internal sealed class ContextualRunner : IRunner
{
    private readonly AssemblyLoadContext _context;

    public ContextualRunner(IRunner inner, AssemblyLoadContext context)
    {
        Inner = inner;
        _context = context;
    }

    public IRunner Inner { get; }

    public RunnerDescription Describe()
    {
        using (_context.EnterContextualReflection())
        {
            return Inner.Describe();
        }
    }

    public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        using (_context.EnterContextualReflection())
        {
            return await Inner.RunAsync(context).ConfigureAwait(false);
        }
    }

    public override string ToString() => Inner.ToString() ?? nameof(ContextualRunner);
}
