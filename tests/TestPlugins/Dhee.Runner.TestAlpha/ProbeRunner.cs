using System.ComponentModel;
using System.Globalization;
using System.Resources;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Dhee.Runners;
using Dhee.TestLib;

namespace Dhee.Runner.TestAlpha;

/// <summary>Reports what it can see from inside its load context; config "probe" picks the check.</summary>
public sealed class ProbeRunner : IRunner
{
    public RunnerDescription Describe() => new() { Id = "alpha.probe", DisplayName = "Alpha probe" };

    public ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        var probe = context.Config["probe"]?.GetValue<string>() ?? "lib";
        string value = probe switch
        {
            "lib" => LibInfo.Version,
            "satellite" => new ResourceManager("Dhee.Runner.TestAlpha.Strings", typeof(ProbeRunner).Assembly).GetString("Hello", CultureInfo.GetCultureInfo("fr"))!,
            "native" => Marshal.PtrToStringAnsi(Native.zlibVersion())!,
            "reflection" => Converted(),
            "gettype" => Type.GetType("Dhee.TestLib.LibConverter, Dhee.TestLib", throwOnError: true)!.Assembly.GetName().Version!.ToString(),
            _ => throw new InvalidOperationException("unknown probe"),
        };
        return ValueTask.FromResult(RunnerResult.Success(context.OutputPath, new JsonObject { ["value"] = value }));
    }

    // TypeDescriptor lives in the framework: it resolves the converter's assembly-qualified name with Type.GetType from
    // the default context, so it finds Dhee.TestLib only through the contextual reflection context.
    private static string Converted() => (string)TypeDescriptor.GetConverter(typeof(Marker)).ConvertTo(new Marker(), typeof(string))!;
}

[TypeConverter("Dhee.TestLib.LibConverter, Dhee.TestLib")]
public sealed class Marker
{
}

internal static partial class Native
{
    [LibraryImport("dheez")]
    internal static partial IntPtr zlibVersion();
}
