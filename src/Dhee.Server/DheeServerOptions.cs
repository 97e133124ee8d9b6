namespace Dhee.Server;

/// <summary>Options of the Dhee run service.</summary>
public sealed class DheeServerOptions
{
    /// <summary>Gets or sets the folders that bundle references may point into.</summary>
    /// <value>The default value is empty: no bundle can be referenced by path.</value>
    public IList<string> BundleRoots { get; set; } = [];
}
