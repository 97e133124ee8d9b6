namespace Dhee.Bundles;

/// <summary>How many instances a node has.</summary>
public enum NodeKind
{
    /// <summary>One instance.</summary>
    Stage,

    /// <summary>One instance per item of an upstream output (<see cref="BundleNode.ItemSource"/>).</summary>
    Collection,
}
