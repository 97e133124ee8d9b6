namespace Dhee.Endpoints;

/// <summary>What kind of service an endpoint is.</summary>
public enum EndpointKind
{
    /// <summary>A ComfyUI server reached over HTTP/WebSocket (<c>http(s)://</c> or <c>ws(s)://</c>).</summary>
    ComfyUI,

    /// <summary>A RunPod serverless endpoint running worker-comfyui (<c>runpod://&lt;endpoint id&gt;</c>).</summary>
    RunPod,
}
