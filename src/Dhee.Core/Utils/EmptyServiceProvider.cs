namespace Dhee.Utils;

/// <summary>A service provider with no services, for runners and factories created without a host container.</summary>
internal sealed class EmptyServiceProvider : IServiceProvider
{
    /// <summary>The shared instance.</summary>
    public static readonly EmptyServiceProvider Instance = new();

    private EmptyServiceProvider()
    {
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType) => null;
}
