using System.CommandLine;
using System.Text;
using Dhee.Bundles;
using Dhee.Cli.Hosting;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee graph &lt;bundle&gt;</c>: the bundle's node graph as Mermaid or Graphviz DOT.</summary>
internal static class GraphCommand
{
    internal static Command Create()
    {
        var bundleArgument = new Argument<string>("bundle") { Description = "A bundle folder (containing bundle.json) or a bundle .json file." };
        var format = new Option<string>("--format") { Description = "mermaid or dot.", DefaultValueFactory = _ => "mermaid" };
        format.AcceptOnlyFromAmong("mermaid", "dot");
        var command = new Command("graph", "Print the bundle's node graph (collections shown as stacks, the goal highlighted).") { bundleArgument, format };
        command.WithExamples("dhee graph my-bundle", "dhee graph my-bundle --format dot | dot -Tsvg > graph.svg");
        command.SetHandler(context =>
        {
            var bundle = BundleLoader.Load(context.GetValue(bundleArgument));
            var edges = Edges(bundle).ToList();
            if (context.Json)
            {
                context.WriteJson(new
                {
                    goal = bundle.Goal,
                    nodes = bundle.Nodes.Select(n => new { n.Id, kind = n.Kind, tool = n.Runner.Tool }),
                    edges = edges.Select(e => new { from = e.From, to = e.To, label = e.Label }),
                });
                return Task.FromResult(ExitCodes.Ok);
            }

            context.Out.Write(context.GetValue(format) == "dot" ? Dot(bundle, edges) : Mermaid(bundle, edges));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static IEnumerable<(string From, string To, string Label)> Edges(Bundle bundle)
    {
        foreach (var node in bundle.Nodes)
        {
            foreach (var input in node.Inputs)
            {
                yield return (input.From, node.Id, input.Scope == InputScope.Matching ? string.Empty : input.Scope.ToString().ToLowerInvariant());
            }

            if (node.Kind == NodeKind.Collection && node.ItemSource is { } source && node.Inputs.All(i => i.From != source))
            {
                yield return (source, node.Id, "items");
            }
        }
    }

    private static string Id(string id) => "n_" + new string([.. id.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);

    private static string Mermaid(Bundle bundle, List<(string From, string To, string Label)> edges)
    {
        var text = new StringBuilder("flowchart LR\n");
        foreach (var input in bundle.Inputs)
        {
            text.Append($"  {Id(input.Id)}[/\"{input.Id}\"/]\n");
        }

        foreach (var node in bundle.Nodes)
        {
            var label = $"\"{node.Id}<br/><small>{node.Runner.Tool}</small>\"";
            text.Append(node.Kind == NodeKind.Collection ? $"  {Id(node.Id)}[[{label}]]\n" : $"  {Id(node.Id)}[{label}]\n");
        }

        foreach (var (from, to, label) in edges)
        {
            text.Append(label.Length == 0 ? $"  {Id(from)} --> {Id(to)}\n" : $"  {Id(from)} -- {label} --> {Id(to)}\n");
        }

        text.Append($"  style {Id(bundle.Goal)} stroke-width:3px\n");
        return text.ToString();
    }

    private static string Dot(Bundle bundle, List<(string From, string To, string Label)> edges)
    {
        var text = new StringBuilder("digraph bundle {\n  rankdir=LR;\n");
        foreach (var input in bundle.Inputs)
        {
            text.Append($"  {Id(input.Id)} [label=\"{input.Id}\", shape=parallelogram];\n");
        }

        foreach (var node in bundle.Nodes)
        {
            var shape = node.Kind == NodeKind.Collection ? "box3d" : "box";
            var bold = node.Id == bundle.Goal ? ", penwidth=3" : string.Empty;
            text.Append($"  {Id(node.Id)} [label=\"{node.Id}\\n{node.Runner.Tool}\", shape={shape}{bold}];\n");
        }

        foreach (var (from, to, label) in edges)
        {
            text.Append(label.Length == 0 ? $"  {Id(from)} -> {Id(to)};\n" : $"  {Id(from)} -> {Id(to)} [label=\"{label}\"];\n");
        }

        return text.Append("}\n").ToString();
    }
}
