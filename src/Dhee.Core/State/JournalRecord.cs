using System.Text.Json.Serialization;

namespace Dhee.State;

/// <summary>One line of the walk journal: an instance started, completed, failed or was invalidated.</summary>
internal sealed class JournalRecord
{
    public const string Start = "start";
    public const string Done = "done";
    public const string Fail = "fail";
    public const string Invalidated = "inval";

    /// <summary>Gets or sets the record type.</summary>
    [JsonPropertyName("t")]
    public string Type { get; set; } = string.Empty;

    /// <summary>Gets or sets the instance key (<c>node</c> or <c>node:item</c>).</summary>
    [JsonPropertyName("k")]
    public string Key { get; set; } = string.Empty;

    [JsonPropertyName("node")]
    public string? Node { get; set; }

    [JsonPropertyName("item")]
    public string? Item { get; set; }

    [JsonPropertyName("tool")]
    public string? Tool { get; set; }

    /// <summary>Gets or sets the completion stamp: a fresh random id per completion, which downstream records remember.</summary>
    [JsonPropertyName("s")]
    public string? Stamp { get; set; }

    /// <summary>Gets or sets the node's definition fingerprint when it ran.</summary>
    [JsonPropertyName("fp")]
    public string? Fingerprint { get; set; }

    /// <summary>Gets or sets the project-relative output path.</summary>
    [JsonPropertyName("o")]
    public string? Output { get; set; }

    /// <summary>Gets or sets the stamps of the upstream instances this completion consumed, by key.</summary>
    [JsonPropertyName("d")]
    public Dictionary<string, string>? Dependencies { get; set; }

    [JsonPropertyName("h")]
    public string? InputsHash { get; set; }

    [JsonPropertyName("c")]
    public bool Cached { get; set; }

    [JsonPropertyName("cost")]
    public decimal CostUsd { get; set; }

    [JsonPropertyName("err")]
    public string? Error { get; set; }

    [JsonPropertyName("start")]
    public DateTimeOffset? StartedAt { get; set; }

    [JsonPropertyName("at")]
    public DateTimeOffset? At { get; set; }
}
