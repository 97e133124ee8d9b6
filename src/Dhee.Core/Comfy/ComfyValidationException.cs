using System.Net;

namespace Dhee.Comfy;

/// <summary>ComfyUI (or the client's pre-submit check) rejected a workflow: the top-level error plus each node's errors.</summary>
public sealed class ComfyValidationException : ComfyException
{
    /// <summary>Initializes a new instance of the <see cref="ComfyValidationException"/> class.</summary>
    /// <param name="errorType">The top-level error type (<c>prompt_outputs_failed_validation</c>, <c>invalid_prompt</c>, …).</param>
    /// <param name="errorMessage">The top-level message.</param>
    /// <param name="details">The top-level details.</param>
    /// <param name="nodeErrors">Every node's errors.</param>
    /// <param name="endpoint">The server, for the message.</param>
    public ComfyValidationException(string errorType, string errorMessage, string? details, IReadOnlyList<ComfyNodeError> nodeErrors, string endpoint)
        : base(Format(errorType, errorMessage, details, nodeErrors, endpoint), HttpStatusCode.BadRequest)
    {
        ErrorType = errorType;
        ErrorMessage = errorMessage;
        Details = details;
        NodeErrors = nodeErrors;
    }

    /// <summary>Gets the top-level error type.</summary>
    public string ErrorType { get; }

    /// <summary>Gets the top-level message.</summary>
    public string ErrorMessage { get; }

    /// <summary>Gets the top-level details.</summary>
    public string? Details { get; }

    /// <summary>Gets every node's errors.</summary>
    public IReadOnlyList<ComfyNodeError> NodeErrors { get; }

    private static string Format(string type, string message, string? details, IReadOnlyList<ComfyNodeError> nodeErrors, string endpoint)
    {
        var head = $"ComfyUI at {endpoint} rejected the workflow: {type}: {message}" + (string.IsNullOrEmpty(details) ? string.Empty : $" ({details})");
        return nodeErrors.Count == 0 ? head : head + Environment.NewLine + string.Join(Environment.NewLine, nodeErrors.Select(e => "  - " + e));
    }
}
