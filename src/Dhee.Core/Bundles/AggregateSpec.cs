namespace Dhee.Bundles;

/// <summary>How to combine the values of many upstream instances into one input.</summary>
public sealed record AggregateSpec
{
    /// <summary>Gets the combination strategy.</summary>
    public AggregateStrategy Strategy { get; init; } = AggregateStrategy.List;

    /// <summary>Gets the separator used by <see cref="AggregateStrategy.Join"/>.</summary>
    /// <value>The default value is two newlines.</value>
    public string Separator { get; init; } = "\n\n";

    /// <summary>Gets the most values to combine, or null for all.</summary>
    public int? Limit { get; init; }
}
