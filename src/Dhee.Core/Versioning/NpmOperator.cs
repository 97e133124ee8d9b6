namespace Dhee.Versioning;

/// <summary>The operator of an <see cref="NpmComparator"/>.</summary>
internal enum NpmOperator
{
    /// <summary>Matches everything.</summary>
    Any,

    /// <summary><c>=</c>.</summary>
    Equal,

    /// <summary><c>&lt;</c>.</summary>
    LessThan,

    /// <summary><c>&lt;=</c>.</summary>
    LessThanOrEqual,

    /// <summary><c>&gt;</c>.</summary>
    GreaterThan,

    /// <summary><c>&gt;=</c>.</summary>
    GreaterThanOrEqual,
}
