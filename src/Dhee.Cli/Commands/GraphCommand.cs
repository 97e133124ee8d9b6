using System.CommandLine;
using System.Text;
using Dhee.Bundles;
using Dhee.Cli.Hosting;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee graph &lt;bundle&gt;</c>: prints a bundle's DAG as Mermaid or Graphviz DOT.</summary>
internal static class GraphCommand
{
    internal static Command Create()
    {
        var bundleArgument = new Argument<string>("bundle") { Description = "A bundle folder (containing bundle.json) or a bundle .json file." };
        var formatOption = new Option<string>("--format", "-f")
        {
            Description = "mermaid (default) or dot.",
            DefaultValueFactory = _ => "mermaid",
        };
        formatOption.AcceptOnlyFromAmong("mermaid", "dot");
        var command = new Command("graph", "Print a bundle's nodes and edges as a Mermaid flowchart or a Graphviz DOT graph.") { bundleArgument, formatOption };
        command.WithExamples("dhee graph samples/bundles/storyboard", "dhee graph my-bundle --format dot | dot -Tsvg > graph.svg");
        command.SetHandler(context =>
        {
            var bundle = CliWalks.LoadBundle(context.GetValue(bundleArgument));
            var text = context.GetValue(formatOption) == "dot" ? ToDot(bundle) : ToMermaid(bundle);
            if (context.Json)
            {
                context.WriteJson(new { format = context.GetValue(formatOption), graph = text });
            }
            else
            {
                context.Out.Write(text);
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>Renders a Mermaid flowchart: collections as stadium shapes, bundle inputs as parallelograms, item sources dashed.</summary>
    internal static string ToMermaid(Bundle bundle)
    {
        var sb = new StringBuilder("flowchart LR\n");
        foreach (var input in bundle.Inputs)
        {
            sb.Append($"  {Id(input.Id)}[/\"{Escape(input.Id)} ({input.Kind.ToString().ToLowerInvariant()})\"/]\n");
        }

        foreach (var node in bundle.Nodes)
        {
            var label = $"{Escape(node.Id)}<br/><small>{Escape(node.Runner.Tool)}</small>";
            sb.Append(node.Kind == NodeKind.Collection ? $"  {Id(node.Id)}([\"{label} ×N\"])\n" : $"  {Id(node.Id)}[\"{label}\"]\n");
        }

        foreach (var node in bundle.Nodes)
        {
            foreach (var input in node.Inputs)
            {
                sb.Append($"  {Id(input.From)} -->|{input.Scope.ToString().ToLowerInvariant()}| {Id(node.Id)}\n");
            }

            if (node.ItemSource is { } source && node.Inputs.All(i => i.From != source))
            {
                sb.Append($"  {Id(source)} -.->|items| {Id(node.Id)}\n");
            }
        }

        sb.Append($"  style {Id(bundle.Goal)} stroke-width:3px\n");
        return sb.ToString();
    }

    /// <summary>Renders a Graphviz DOT digraph with the same conventions as <see cref="ToMermaid"/>.</summary>
    internal static string ToDot(Bundle bundle)
    {
        var sb = new StringBuilder($"digraph \"{Escape(bundle.Id)}\" {{\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
        foreach (var input in bundle.Inputs)
        {
            sb.Append($"  \"{Escape(input.Id)}\" [shape=parallelogram];\n");
        }

        foreach (var node in bundle.Nodes)
        {
            var shape = node.Kind == NodeKind.Collection ? "box3d" : "box";
            var pen = node.Id == bundle.Goal ? ", penwidth=3" : string.Empty;
            sb.Append($"  \"{Escape(node.Id)}\" [shape={shape}, label=\"{Escape(node.Id)}\\n{Escape(node.Runner.Tool)}\"{pen}];\n");
        }

        foreach (var node in bundle.Nodes)
        {
            foreach (var input in node.Inputs)
            {
                sb.Append($"  \"{Escape(input.From)}\" -> \"{Escape(node.Id)}\" [label=\"{input.Scope.ToString().ToLowerInvariant()}\"];\n");
            }

            if (node.ItemSource is { } source && node.Inputs.All(i => i.From != source))
            {
                sb.Append($"  \"{Escape(source)}\" -> \"{Escape(node.Id)}\" [style=dashed, label=\"items\"];\n");
            }
        }

        return sb.Append("}\n").ToString();
    }

    private static string Id(string nodeId) => "n_" + new string([.. nodeId.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
