using System.Text.Json.Nodes;

namespace Dhee.Testing.Comfy;

/// <summary>Settings of a <see cref="LoopbackComfyServer"/>, fixed when it starts.</summary>
public sealed class LoopbackComfyServerOptions
{
    /// <summary>Gets or sets the node catalog served at <c>/object_info</c>; <see langword="null"/> serves the bundled ComfyUI 0.3.18 catalog (260 classes).</summary>
    public JsonObject? ObjectInfo { get; set; }

    /// <summary>Gets extra node classes merged into the catalog (for example a custom output node that reports <c>gifs</c> or <c>text</c>).</summary>
    public IDictionary<string, JsonObject> AdditionalNodeClasses { get; } = new Dictionary<string, JsonObject>(StringComparer.Ordinal);

    /// <summary>Gets the model files "installed" per folder (<c>checkpoints</c>, <c>loras</c>, <c>vae</c>, …): they fill the matching enum inputs of the catalog and <c>/models/{folder}</c>.</summary>
    public IDictionary<string, IReadOnlyList<string>> Models { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

    /// <summary>Gets or sets a value indicating whether a client-supplied <c>prompt_id</c> is honoured (ComfyUI 0.3.44 and newer); ComfyUI 0.3.18 ignores it and mints its own, which is the default.</summary>
    public bool AcceptClientPromptId { get; set; }

    /// <summary>Gets or sets a path prefix the server lives under (for example <c>/comfy</c>, as behind a reverse proxy); empty serves at the root.</summary>
    public string PathPrefix { get; set; } = string.Empty;

    /// <summary>Gets headers every HTTP request and WebSocket upgrade must carry (name → exact value); a request without them gets 401.</summary>
    public IDictionary<string, string> RequiredHeaders { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets how long the fake execution of each node takes; zero runs as fast as possible.</summary>
    public TimeSpan NodeDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets a value indicating whether sampler nodes send binary preview frames (type 1, PNG) with their progress.</summary>
    public bool SendPreviews { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether sampler nodes also send a binary text frame (type 3, "step i/n" naming the node) with each progress step, as nodes that call <c>send_progress_text</c> do.</summary>
    public bool SendProgressText { get; set; }

    /// <summary>Gets or sets a value indicating whether <c>progress_state</c> frames are sent (ComfyUI 0.3.44 and newer: the state of every started node with each change); ComfyUI 0.3.18 does not send them, which is the default.</summary>
    public bool SendProgressState { get; set; }

    /// <summary>Gets or sets a value indicating whether the jobs API of newer servers is served (<c>GET /api/jobs</c>, <c>GET /api/jobs/{id}</c>, <c>POST /api/jobs/{id}/cancel</c>) and <c>extra_data.create_time</c> stamped; ComfyUI 0.3.18 answers 404, which is the default.</summary>
    public bool ServeJobsApi { get; set; }

    /// <summary>Gets or sets the free VRAM in bytes reported by <c>/system_stats</c> (<c>devices[0].vram_free</c>); change it at any time.</summary>
    public long VramFree { get; set; } = 24641728512L;

    /// <summary>Gets or sets the total VRAM in bytes reported by <c>/system_stats</c> (<c>devices[0].vram_total</c>).</summary>
    public long VramTotal { get; set; } = 25276510208L;

    /// <summary>Gets or sets a value indicating whether <c>/system_stats</c> is served; false answers 404, as a proxy that hides it does.</summary>
    public bool ServeSystemStats { get; set; } = true;

    /// <summary>Gets or sets the clock used for timestamps; defaults to the system clock.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
