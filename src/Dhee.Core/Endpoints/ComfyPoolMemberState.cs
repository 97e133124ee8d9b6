namespace Dhee.Endpoints;

/// <summary>The circuit state of one pool instance.</summary>
public enum ComfyPoolMemberState
{
    /// <summary>Healthy: receives work.</summary>
    Closed,

    /// <summary>Failed repeatedly: receives no work until the break passes.</summary>
    Open,

    /// <summary>The break passed: the next choice probes it; success closes the circuit, failure opens it again.</summary>
    HalfOpen,
}
