using Dhee.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Dhee run service's HTTP API.</summary>
public static class DheeEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps every endpoint of the run service under <paramref name="prefix"/>. Every endpoint requires an allowed
    /// credential, is rate limited per credential and caps the request body; see docs/server.md for the contract.
    /// </summary>
    /// <param name="endpoints">The endpoint builder, usually the <c>WebApplication</c>.</param>
    /// <param name="prefix">The route prefix.</param>
    /// <returns>The route group, for further conventions such as CORS.</returns>
    public static RouteGroupBuilder MapDhee(this IEndpointRouteBuilder endpoints, string prefix = "/dhee")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(prefix);
        group.AddEndpointFilter<DheeRequestFilter>();
        group.MapPost("/runs", RunEndpoints.CreateAsync);
        group.MapGet("/runs", RunEndpoints.ListAsync);
        group.MapGet("/runs/{id}", RunEndpoints.GetAsync);
        group.MapPost("/runs/{id}/start", RunEndpoints.StartAsync);
        group.MapPost("/runs/{id}/resume", RunEndpoints.ResumeAsync);
        group.MapPost("/runs/{id}/cancel", RunEndpoints.CancelAsync);
        group.MapGet("/runs/{id}/result", RunEndpoints.ResultAsync);
        group.MapGet("/runs/{id}/events", RunEndpoints.EventsAsync);
        group.MapGet("/runs/{id}/events/socket", RunEndpoints.EventsSocketAsync);
        group.MapDelete("/runs/{id}", RunEndpoints.DeleteAsync);
        group.MapGet("/runs/{id}/graph", ArtifactEndpoints.GraphAsync);
        group.MapGet("/runs/{id}/outputs/{**path}", ArtifactEndpoints.OutputAsync);
        group.MapGet("/catalog", DefinitionEndpoints.Catalog);
        group.MapPost("/definitions/validate", DefinitionEndpoints.ValidateAsync);
        group.MapPost("/definitions/edit", DefinitionEndpoints.EditAsync);
        return group;
    }
}
