namespace Dhee.Samples.WebRunner;

/// <summary>What a <see cref="DemoRunner"/> writes.</summary>
internal enum DemoOutputKind
{
    /// <summary>A line of text.</summary>
    Text,

    /// <summary>A JSON document with an <c>items</c> array (an item source for collections).</summary>
    List,

    /// <summary>An SVG picture.</summary>
    Svg,
}
