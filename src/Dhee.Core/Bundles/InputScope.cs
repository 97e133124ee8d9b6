namespace Dhee.Bundles;

/// <summary>Which instances of an upstream node feed one instance of the consuming node.</summary>
public enum InputScope
{
    /// <summary>The upstream instance with the same item id, else the single upstream instance.</summary>
    Matching,

    /// <summary>Every upstream instance, as a map from item id to value.</summary>
    All,

    /// <summary>Any one completed upstream instance (the first, in item order).</summary>
    Any,

    /// <summary>The <see cref="NodeInput.N"/> upstream instances that come before this item, nearest first.</summary>
    PreviousN,
}
