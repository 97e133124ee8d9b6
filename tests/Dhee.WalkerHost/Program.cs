using Dhee.WalkerHost;

// Usage: Dhee.WalkerHost <projectDir> <markerLog> <label> [seed]
// Walks the crash-test pipeline; exit code 0 when the goal completed, 1 otherwise.
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: Dhee.WalkerHost <projectDir> <markerLog> <label> [seed]");
    return 2;
}

var seed = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1;
var walker = CrashTestPipeline.CreateWalker(args[1], args[2], seed);
var result = await walker.WalkAsync(CrashTestPipeline.Bundle, CrashTestPipeline.Options(args[0]));
Console.WriteLine(result.Message);
return result.Success ? 0 : 1;
