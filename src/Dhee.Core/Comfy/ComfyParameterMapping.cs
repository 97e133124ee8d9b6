namespace Dhee.Comfy;

/// <summary>Maps a named input onto one node input of a workflow.</summary>
/// <param name="Input">The logical input (<c>prompt</c>, <c>seed</c>, <c>filenamePrefix</c>, a scalar or image input name).</param>
/// <param name="NodeId">The workflow node.</param>
/// <param name="Field">The node's input field.</param>
public sealed record ComfyParameterMapping(string Input, string NodeId, string Field);
