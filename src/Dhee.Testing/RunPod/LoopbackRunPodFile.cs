namespace Dhee.Testing.RunPod;

/// <summary>One file a loopback RunPod job produced.</summary>
/// <param name="Filename">The file name, with its real extension.</param>
/// <param name="Bytes">The contents.</param>
public sealed record LoopbackRunPodFile(string Filename, byte[] Bytes);
