namespace Dhee.Testing;

/// <summary>A temporary folder for one test's project or bundle, deleted on dispose.</summary>
public sealed class TestProjectDirectory : IDisposable
{
    /// <summary>Initializes a new instance of the <see cref="TestProjectDirectory"/> class and creates the folder.</summary>
    /// <param name="prefix">A prefix for the folder name, to tell tests apart.</param>
    public TestProjectDirectory(string prefix = "dhee-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    /// <summary>Gets the folder's absolute path.</summary>
    public string Path { get; }

    /// <summary>Writes a file below the folder, creating parent folders, and returns its absolute path.</summary>
    /// <param name="relativePath">The path relative to the folder.</param>
    /// <param name="contents">The text to write.</param>
    /// <returns>The file's absolute path.</returns>
    public string WriteFile(string relativePath, string contents)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, contents);
        return full;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
