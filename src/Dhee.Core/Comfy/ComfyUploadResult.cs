namespace Dhee.Comfy;

/// <summary>Where an uploaded file landed on the server; always use <see cref="Name"/> in the workflow (the server may rename).</summary>
/// <param name="Name">The name the server stored the file under.</param>
/// <param name="Subfolder">The subfolder.</param>
/// <param name="Type">input, temp or output.</param>
/// <param name="Reused">True when the same bytes were already uploaded to this server and no upload happened.</param>
public sealed record ComfyUploadResult(string Name, string Subfolder, string Type, bool Reused)
{
    /// <summary>Gets the value to put into a LoadImage-style input: <c>subfolder/name</c> or just the name.</summary>
    public string WorkflowValue => string.IsNullOrEmpty(Subfolder) ? Name : $"{Subfolder}/{Name}";
}
