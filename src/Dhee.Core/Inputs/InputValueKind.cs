namespace Dhee.Inputs;

/// <summary>The shape of a resolved input value.</summary>
public enum InputValueKind
{
    /// <summary>A binary file (image, video, audio), given as an absolute path.</summary>
    File,

    /// <summary>Parsed JSON.</summary>
    Json,

    /// <summary>Text.</summary>
    Text,

    /// <summary>An ordered list of values (<c>previousN</c> scope, <c>aggregate: list</c>).</summary>
    List,

    /// <summary>Values keyed by collection item id (<c>scope: all</c>).</summary>
    Map,
}
