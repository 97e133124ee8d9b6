using System.CommandLine;
using Dhee.Cli.Hosting;
using Dhee.Walking;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee stop</c>: asks a walk running in another process to stop; it finishes cleanly and can be resumed.</summary>
internal static class StopCommand
{
    internal static Command Create()
    {
        var projectOption = ProjectOption.Create();
        var command = new Command("stop", "Ask the walk running on a project (in another process) to stop; resume later with 'dhee run'.") { projectOption };
        command.WithExamples("dhee stop --project ./p");
        command.SetHandler(context =>
        {
            var project = ProjectOption.Resolve(context, projectOption);
            if (!Walker.IsWalking(project))
            {
                return Task.FromResult(context.Fail($"no walk is running on '{project}'", exitCode: ExitCodes.Failure));
            }

            Walker.RequestStop(project);
            if (context.Json)
            {
                context.WriteJson(new { ok = true, project, requested = true });
            }
            else
            {
                context.Out.WriteLine($"Asked the walk on '{project}' to stop; running instances finish or cancel, nothing new starts.");
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
