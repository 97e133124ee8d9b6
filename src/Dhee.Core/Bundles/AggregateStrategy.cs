namespace Dhee.Bundles;

/// <summary>How <c>aggregate</c> combines the values of many upstream instances.</summary>
public enum AggregateStrategy
{
    /// <summary>An ordered list.</summary>
    List,

    /// <summary>The text forms joined by <see cref="AggregateSpec.Separator"/>.</summary>
    Join,
}
