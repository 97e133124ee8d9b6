namespace Dhee.Bundles;

/// <summary>The role an upstream value plays for the consuming runner. Informational for most runners.</summary>
public enum InputUsage
{
    /// <summary>The value the node transforms.</summary>
    Input,

    /// <summary>Background the node may draw on.</summary>
    Context,

    /// <summary>A reference (for example an image to stay consistent with).</summary>
    Reference,

    /// <summary>Values gathered from many items (see <see cref="NodeInput.Aggregate"/>).</summary>
    Aggregate,
}
