namespace Dhee.Server.Runs;

/// <summary>A page request over the runs of a store, newest first.</summary>
public sealed record RunQuery
{
    /// <summary>Gets the owner to list, or null for every owner (admins).</summary>
    public string? Owner { get; init; }

    /// <summary>Gets the statuses to include, or null for all.</summary>
    public IReadOnlyList<RunStatus>? Statuses { get; init; }

    /// <summary>Gets text the title must contain (case-insensitive), or null.</summary>
    public string? TitleContains { get; init; }

    /// <summary>Gets how many runs to skip.</summary>
    public int Offset { get; init; }

    /// <summary>Gets the most runs to return.</summary>
    /// <value>The default value is 50.</value>
    public int Limit { get; init; } = 50;
}
