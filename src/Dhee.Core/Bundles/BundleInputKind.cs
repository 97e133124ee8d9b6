namespace Dhee.Bundles;

/// <summary>Where a bundle-level input's value comes from.</summary>
public enum BundleInputKind
{
    /// <summary>A file in the project folder.</summary>
    File,

    /// <summary>A field of the project's settings (<c>project.json</c>), by dot-path.</summary>
    Project,
}
