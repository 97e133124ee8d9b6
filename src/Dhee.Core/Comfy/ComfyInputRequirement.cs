namespace Dhee.Comfy;

/// <summary>A declared input of a workflow (from the manifest's <c>inputRequirements</c>).</summary>
/// <param name="Id">The logical input name.</param>
/// <param name="Type">image, text, number, …</param>
/// <param name="Source">Where it is expected to come from (for messages).</param>
/// <param name="Required">True when the workflow cannot run without it.</param>
/// <param name="Description">What it is.</param>
public sealed record ComfyInputRequirement(string Id, string Type, string? Source, bool Required, string? Description);
