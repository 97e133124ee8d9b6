namespace Dhee.Hosting;

/// <summary>Registered by <c>AddRunnersFromPlugins</c>: the registry then loads the installed runner plugins.</summary>
internal sealed class DheePluginsMarker
{
}
