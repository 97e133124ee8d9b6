namespace Dhee.Runners;

/// <summary>Metadata keys the walker understands in <see cref="RunnerResult.Metadata"/>.</summary>
public static class RunnerMetadataKeys
{
    /// <summary><c>true</c> when the output was served from a cache instead of being generated.</summary>
    public const string Cached = "cached";

    /// <summary>The content hash of every input that determined the output (the cache key).</summary>
    public const string InputsHash = "inputsHash";

    /// <summary>What producing the output cost, in US dollars (a number).</summary>
    public const string CostUsd = "costUsd";
}
