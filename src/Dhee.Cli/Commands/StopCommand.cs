using System.CommandLine;
using Dhee.Cli.Hosting;
using Dhee.Walking;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee stop</c>: asks a walk running in another process to stop (resumable).</summary>
internal static class StopCommand
{
    internal static Command Create()
    {
        var project = WalkCommandSupport.ProjectOption();
        var command = new Command("stop", "Ask the walk running on a project (in another process) to stop; walk again to resume.") { project };
        command.WithExamples("dhee stop -p ./my-video");
        command.SetHandler(context =>
        {
            var dir = Path.GetFullPath(context.GetValue(project) ?? ".");
            if (!Walker.IsWalking(dir))
            {
                return Task.FromResult(context.Fail($"no walk is running on {dir}", "check the --project folder"));
            }

            Walker.RequestStop(dir);
            if (context.Json)
            {
                context.WriteJson(new { ok = true, project = dir });
            }
            else
            {
                context.Out.WriteLine($"Asked the walk on {dir} to stop; it stops within a second once running runners return.");
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
