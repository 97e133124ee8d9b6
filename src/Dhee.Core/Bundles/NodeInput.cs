namespace Dhee.Bundles;

/// <summary>An edge into a node: where a value comes from and how it is resolved.</summary>
public sealed record NodeInput
{
    /// <summary>Gets the id of the upstream node or bundle input.</summary>
    public required string From { get; init; }

    /// <summary>Gets the role of the value.</summary>
    public InputUsage Usage { get; init; } = InputUsage.Input;

    /// <summary>Gets which upstream instances feed this node.</summary>
    public InputScope Scope { get; init; } = InputScope.Matching;

    /// <summary>Gets, for <see cref="InputScope.PreviousN"/>, how many earlier items to pass.</summary>
    /// <value>The default value is 5.</value>
    public int N { get; init; } = 5;

    /// <summary>Gets how to combine many upstream values, or null to pass them as the scope gives them.</summary>
    public AggregateSpec? Aggregate { get; init; }
}
