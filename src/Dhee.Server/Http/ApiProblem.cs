using Dhee.Validation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Dhee.Server.Http;

/// <summary>An RFC 7807 problem the API answers with; <see cref="Type"/> is one of <see cref="ProblemTypes"/>.</summary>
internal sealed record ApiProblem(int Status, string Type, string Title, string Detail, IReadOnlyList<ValidationProblem>? Problems = null)
{
    public static ApiProblem ContractViolation(string detail) =>
        new(StatusCodes.Status400BadRequest, ProblemTypes.ContractViolation, "The request does not match the API contract.", detail);

    public static ApiProblem Invalid(string detail, IReadOnlyList<ValidationProblem> problems) =>
        new(StatusCodes.Status422UnprocessableEntity, ProblemTypes.Validation, "The definition or bundle is invalid.", detail, problems);

    public static ApiProblem NotFound(string id) =>
        new(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "No such run.", $"No run '{id}' exists that you may see. Check the id returned by createRun or startRun.");

    public static ApiProblem Conflict(string detail) =>
        new(StatusCodes.Status409Conflict, ProblemTypes.Conflict, "The run is not in a state that allows this.", detail);

    public static ApiProblem UnsafePath(string detail) =>
        new(StatusCodes.Status400BadRequest, ProblemTypes.UnsafePath, "The bundle reference is not allowed.", detail);

    public IResult ToResult()
    {
        var details = new ProblemDetails { Status = Status, Type = Type, Title = Title, Detail = Detail };
        if (Problems is not null)
        {
            details.Extensions["problems"] = Problems;
        }

        return TypedResults.Problem(details);
    }
}
