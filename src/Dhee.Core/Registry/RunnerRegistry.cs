using System.Diagnostics.CodeAnalysis;
using Dhee.Bundles;
using Dhee.Errors;
using Dhee.Runners;
using Dhee.Schema;
using Dhee.Validation;
using Dhee.Versioning;
using NuGet.Versioning;

namespace Dhee.Registry;

/// <summary>
/// The runners a host can use, by tool id. Registration refuses duplicates and malformed manifests;
/// <see cref="ValidateBundle"/> checks a bundle against the registered runners before any work starts.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class RunnerRegistry
{
    /// <summary>The folder runner plugins are installed into by default.</summary>
    internal const string RunnersFolderHint = "~/.kshana/runners (or the folder in DHEE_RUNNERS_DIR)";

    private readonly Dictionary<string, RunnerRegistration> _registrations = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly RunnerRegistryOptions _options;

    /// <summary>Initializes a new instance of the <see cref="RunnerRegistry"/> class.</summary>
    /// <param name="options">Settings; null for the defaults.</param>
    public RunnerRegistry(RunnerRegistryOptions? options = null)
    {
        _options = options ?? new RunnerRegistryOptions();
    }

    /// <summary>Registers a runner under its manifest's tool id.</summary>
    /// <param name="manifest">The manifest: a dot-namespaced tool id, a semantic version and an npm engine range.</param>
    /// <param name="runner">The runner; its description's id must equal the tool id.</param>
    /// <param name="source">Where the runner comes from, named in errors: <c>built-in</c> or the plugin's folder.</param>
    /// <param name="replaceExisting">True to replace a runner already registered under the same tool id (an explicit host override).</param>
    /// <exception cref="DheeConfigurationException">The manifest is invalid, or the tool id is taken and <paramref name="replaceExisting"/> is false.</exception>
    public void Register(RunnerManifest manifest, IRunner runner, string source = "built-in", bool replaceExisting = false)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);

        var tool = manifest.Tool;
        if (!ToolIds.IsValid(tool))
        {
            throw new DheeConfigurationException($"Runner from '{source}': manifest field 'tool' is '{tool}', which is not {ToolIds.Rule}. Fix the manifest's tool id.");
        }

        if (!SemanticVersion.TryParse(manifest.Version ?? string.Empty, out _))
        {
            throw new DheeConfigurationException($"Runner '{tool}' from '{source}': manifest field 'version' is '{manifest.Version}', which is not a semantic version. Write it as major.minor.patch, such as '1.0.0'.");
        }

        if (!NpmVersionRange.TryParse(manifest.EngineCompat ?? string.Empty, out _, out var rangeError) || string.IsNullOrWhiteSpace(manifest.EngineCompat))
        {
            throw new DheeConfigurationException($"Runner '{tool}' from '{source}': manifest field 'engineCompat' is invalid: {rangeError ?? "it is empty"}. Declare the Dhee versions the runner works with, such as '^0.1.0'.");
        }

        var registration = new RunnerRegistration(manifest, runner, source);
        if (!string.Equals(registration.Description.Id, tool, StringComparison.Ordinal))
        {
            throw new DheeConfigurationException($"Runner '{tool}' from '{source}': its Describe() reports id '{registration.Description.Id}', which differs from the manifest's tool id. Make them equal.");
        }

        lock (_lock)
        {
            if (!replaceExisting && _registrations.TryGetValue(tool, out var existing))
            {
                throw new DheeConfigurationException(
                    $"Runner '{tool}' from '{source}' cannot be registered: '{tool}' is already registered from '{existing.Source}' (version {existing.Manifest.Version}). "
                    + "Remove one of them, or register with replaceExisting: true to override deliberately.");
            }

            _registrations[tool] = registration;
        }
    }

    /// <summary>Looks up the runner registered under <paramref name="tool"/>.</summary>
    /// <param name="tool">The tool id.</param>
    /// <param name="registration">The registration, when found.</param>
    /// <returns>True when the tool is registered.</returns>
    public bool TryGet(string tool, [NotNullWhen(true)] out RunnerRegistration? registration)
    {
        ArgumentNullException.ThrowIfNull(tool);
        lock (_lock)
        {
            return _registrations.TryGetValue(tool, out registration);
        }
    }

    /// <summary>Gets the runner registered under <paramref name="tool"/>.</summary>
    /// <param name="tool">The tool id.</param>
    /// <returns>The registration.</returns>
    /// <exception cref="RunnerNotFoundException">No runner is registered under the id; the message says how to install one.</exception>
    public RunnerRegistration Get(string tool)
    {
        if (TryGet(tool, out var registration))
        {
            return registration;
        }

        var known = List().Select(r => r.Manifest.Tool).ToList();
        var registered = known.Count == 0 ? "no runners are registered" : "registered: " + string.Join(", ", known);
        throw new RunnerNotFoundException(tool, $"No runner is registered for tool '{tool}' ({registered}). {InstallHint(tool, null)}");
    }

    /// <summary>Lists every registration, ordered by tool id, for discovery user interfaces.</summary>
    /// <returns>A snapshot of the registrations.</returns>
    public IReadOnlyList<RunnerRegistration> List()
    {
        lock (_lock)
        {
            return [.. _registrations.Values.OrderBy(r => r.Manifest.Tool, StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// Checks, before any work, that the bundle's runners are ready: every tool in <c>dependencies.runners</c> and every
    /// tool a node uses is registered, in the declared version range, compatible with this engine, has its credentials
    /// set, and every node's <c>runner.config</c> satisfies its runner's config schema. Also checks the bundle's own
    /// <c>engineCompat</c>.
    /// </summary>
    /// <param name="bundle">The bundle.</param>
    /// <returns>Every problem found, with JSON paths into the bundle file (and lines, when the file can be read).</returns>
    public IReadOnlyList<ValidationProblem> ValidateBundle(Bundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var problems = new ProblemCollector(bundle.SourcePath, ReadLocations(bundle.SourcePath));
        var engine = _options.EngineVersion;

        if (bundle.EngineCompat is { } bundleRange && NpmVersionRange.TryParse(bundleRange, out var bundleEngine, out _)
            && !bundleEngine.IsSatisfiedBy(engine, includePrerelease: true))
        {
            problems.Add("$.engineCompat", "registry.bundle.engine", $"bundle '{bundle.Id}' requires Dhee '{bundleRange}', but this is Dhee {engine}", "Use a Dhee version in that range, or a bundle version built for this one.");
        }

        var checkedTools = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (tool, range) in bundle.Dependencies.Runners)
        {
            var path = JsonPaths.Property("$.dependencies.runners", tool);
            if (!TryGet(tool, out var registration))
            {
                problems.Add(path, "registry.runner.missing", $"runner '{tool}' (declared in dependencies.runners) is not registered", InstallHint(tool, bundle));
                checkedTools.Add(tool);
                continue;
            }

            if (NpmVersionRange.TryParse(range, out var wanted, out _)
                && SemanticVersion.TryParse(registration.Manifest.Version, out var version)
                && !wanted.IsSatisfiedBy(version, includePrerelease: true))
            {
                problems.Add(path, "registry.runner.version", $"runner '{tool}' is version {registration.Manifest.Version} (from {registration.Source}), outside the required range '{range}'", $"Install a version of '{tool}' that satisfies '{range}', or widen the range.");
            }

            if (checkedTools.Add(tool))
            {
                CheckReadiness(registration, path, engine, problems);
            }
        }

        for (var i = 0; i < bundle.Nodes.Count; i++)
        {
            var node = bundle.Nodes[i];
            var tool = node.Runner.Tool;
            var nodePath = JsonPaths.Index("$.nodes", i);
            if (!ToolIds.IsValid(tool))
            {
                // Empty or malformed tool ids are reported by the bundle validator.
                continue;
            }

            if (!TryGet(tool, out var registration))
            {
                if (checkedTools.Add(tool))
                {
                    problems.Add(nodePath + ".runner.tool", "registry.runner.missing", $"node '{node.Id}' uses runner '{tool}', which is not registered", InstallHint(tool, bundle));
                }

                continue;
            }

            if (checkedTools.Add(tool))
            {
                CheckReadiness(registration, nodePath + ".runner.tool", engine, problems);
            }

            var configPath = nodePath + ".runner.config";
            foreach (var problem in JsonSchemaValidator.Validate(node.Runner.Config, registration.Description.ConfigSchema, configPath, bundle.SourcePath))
            {
                problems.AddRange([problem with
                {
                    Code = "registry.config." + problem.Code["schema.".Length..],
                    Message = $"node '{node.Id}' ({tool}) config: {problem.Message}",
                }]);
            }
        }

        return problems.Problems;
    }

    private void CheckReadiness(RunnerRegistration registration, string path, SemanticVersion engine, ProblemCollector problems)
    {
        var manifest = registration.Manifest;
        if (NpmVersionRange.TryParse(manifest.EngineCompat, out var compat, out _) && !compat.IsSatisfiedBy(engine, includePrerelease: true))
        {
            problems.Add(path, "registry.runner.engine", $"runner '{manifest.Tool}' {manifest.Version} (from {registration.Source}) requires Dhee '{manifest.EngineCompat}', but this is Dhee {engine}", $"Install a version of '{manifest.Tool}' built for Dhee {engine}, or use a Dhee version in '{manifest.EngineCompat}'.");
        }

        foreach (var name in manifest.Credentials)
        {
            if (string.IsNullOrWhiteSpace(_options.GetEnvironmentVariable(name)))
            {
                problems.Add(path, "registry.credentials.missing", $"runner '{manifest.Tool}' needs the environment variable '{name}', which is not set (or blank)", $"Set {name} before running, for example: export {name}=...");
            }
        }
    }

    private static string InstallHint(string tool, Bundle? bundle)
    {
        var package = ToolIds.PackageId(tool);
        var declared = bundle is not null && bundle.Dependencies.RunnerPackages.TryGetValue(tool, out var p) ? p : null;
        var which = declared is null ? $"'{package}'" : $"'{declared}' (named in dependencies.runnerPackages; by convention '{package}')";
        return $"Install the runner package {which} into {RunnersFolderHint}, or register the runner in code.";
    }

    private static JsonLocationMap? ReadLocations(string? file)
    {
        if (file is null)
        {
            return null;
        }

        try
        {
            var bytes = File.ReadAllBytes(file);
            return JsonLocationMap.Build(bytes, new System.Text.Json.JsonReaderOptions
            {
                CommentHandling = System.Text.Json.JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
