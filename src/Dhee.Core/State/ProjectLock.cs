using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Walking;

namespace Dhee.State;

/// <summary>
/// The per-project single-walk lock: <c>.dhee/walk.lock</c>, created exclusively and holding the owner's pid, host and
/// start time. A lock is stale (and reclaimed) when its owner is on this host and no longer running, when its pid now
/// belongs to a younger process, or when it is unreadable and older than a few seconds. Locks of other hosts are never
/// reclaimed automatically.
/// </summary>
internal sealed class ProjectLock : IDisposable
{
    public const string FileName = "walk.lock";
    private static readonly ConcurrentDictionary<string, byte> HeldInProcess = new(StringComparer.Ordinal);
    private readonly string _path;
    private bool _disposed;

    private ProjectLock(string path) => _path = path;

    /// <summary>Gets the lock path of a project.</summary>
    public static string PathFor(string projectDir) => Path.Combine(Path.GetFullPath(projectDir), ".dhee", FileName);

    /// <summary>Takes the lock or throws <see cref="WalkInProgressException"/> naming the holder.</summary>
    public static ProjectLock Acquire(string projectDir, TimeProvider timeProvider)
    {
        var path = PathFor(projectDir);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!HeldInProcess.TryAdd(path, 0))
        {
            throw new WalkInProgressException(projectDir, $"A walk of project '{projectDir}' is already running in this process. Wait for it to finish or cancel it before starting another.");
        }

        try
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                if (TryCreate(path, timeProvider))
                {
                    return new ProjectLock(path);
                }

                var holder = ReadHolder(path);
                if (IsStale(path, holder, timeProvider))
                {
                    try
                    {
                        File.Delete(path);
                    }
                    catch (IOException)
                    {
                    }

                    continue;
                }

                var who = holder is null
                    ? "an unknown process"
                    : $"process {holder["pid"]} on host '{holder["host"]}' (started {holder["startedAt"]})";
                throw new WalkInProgressException(projectDir,
                    $"Another walk of project '{projectDir}' is in progress: {who} holds '{path}'. Wait for it to finish or stop it (dhee stop), "
                    + "then run again. If that process is gone (for example on another host), delete the lock file.");
            }

            throw new WalkInProgressException(projectDir, $"Could not take the walk lock '{path}' after reclaiming stale locks; another walk is starting at the same time. Try again.");
        }
        catch
        {
            HeldInProcess.TryRemove(path, out _);
            throw;
        }
    }

    /// <summary>Tells whether a walk currently holds the project's lock (a live, non-stale lock file exists).</summary>
    public static bool IsHeld(string projectDir, TimeProvider timeProvider)
    {
        var path = PathFor(projectDir);
        if (HeldInProcess.ContainsKey(path))
        {
            return true;
        }

        return File.Exists(path) && !IsStale(path, ReadHolder(path), timeProvider);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
        }
        finally
        {
            HeldInProcess.TryRemove(_path, out _);
        }
    }

    private static bool TryCreate(string path, TimeProvider timeProvider)
    {
        // Written to a temp file and linked into place without overwrite, so the lock file never exists half-written:
        // a process killed while taking the lock leaves either no lock or a complete one naming a dead pid.
        var temp = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var payload = new JsonObject
        {
            ["pid"] = Environment.ProcessId,
            ["host"] = Environment.MachineName,
            ["startedAt"] = timeProvider.GetUtcNow().ToString("O"),
        };
        try
        {
            File.WriteAllText(temp, payload.ToJsonString());
            File.Move(temp, path, overwrite: false);
            RemoveLeftoverTempFiles(path);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static void RemoveLeftoverTempFiles(string path)
    {
        foreach (var leftover in Directory.EnumerateFiles(Path.GetDirectoryName(path)!, FileName + ".tmp-*"))
        {
            try
            {
                File.Delete(leftover);
            }
            catch (IOException)
            {
            }
        }
    }

    private static JsonObject? ReadHolder(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private static bool IsStale(string path, JsonObject? holder, TimeProvider timeProvider)
    {
        if (holder is null)
        {
            // Unreadable: a crash between create and write, or garbage. Give a writer a moment before reclaiming.
            try
            {
                return timeProvider.GetUtcNow().UtcDateTime - File.GetLastWriteTimeUtc(path) > TimeSpan.FromSeconds(5);
            }
            catch (IOException)
            {
                return true;
            }
        }

        try
        {
            var host = holder["host"]?.GetValue<string>();
            var pid = holder["pid"]?.GetValue<int>() ?? -1;
            if (!string.Equals(host, Environment.MachineName, StringComparison.Ordinal))
            {
                return false;
            }

            if (pid == Environment.ProcessId)
            {
                return !HeldInProcess.ContainsKey(path); // our pid, but not held by this process: left by an earlier process with our pid
            }

            using var process = Process.GetProcessById(pid);
            if (process.HasExited)
            {
                return true;
            }

            var startedAt = DateTimeOffset.Parse(holder["startedAt"]?.GetValue<string>() ?? string.Empty, System.Globalization.CultureInfo.InvariantCulture);
            return process.StartTime.ToUniversalTime() > startedAt.UtcDateTime.AddSeconds(2); // the pid was reused
        }
        catch (ArgumentException)
        {
            return true; // no such process
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false;
        }
    }
}
