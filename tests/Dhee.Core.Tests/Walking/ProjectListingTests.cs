using Dhee.Testing;
using Dhee.Walking;

namespace Dhee.Tests.Walking;

public sealed class ProjectListingTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("dhee-listing");

    [Fact]
    public void FileExists_ManyQuestionsAboutOneFolder_AnswersLikeTheDisk()
    {
        var folder = Path.Combine(_project.Path, "out");
        Directory.CreateDirectory(Path.Combine(folder, "sub.txt"));
        for (var i = 0; i < 40; i += 2)
        {
            File.WriteAllText(Path.Combine(folder, $"n{i}.txt"), "x");
        }

        var listing = new ProjectListing(_project.Path);

        // Enough questions that the folder is listed; odd files are missing, and a folder is not a file.
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(i % 2 == 0, listing.FileExists($"out/n{i}.txt"));
        }

        Assert.False(listing.FileExists("out/sub.txt"));
    }

    [Fact]
    public void FileExists_FileWrittenAfterTheFolderWasListed_IsSeen()
    {
        var folder = Path.Combine(_project.Path, "out");
        Directory.CreateDirectory(folder);
        var listing = new ProjectListing(_project.Path);
        for (var i = 0; i < 40; i++)
        {
            Assert.False(listing.FileExists($"out/n{i}.txt"));
        }

        File.WriteAllText(Path.Combine(folder, "late.txt"), "x");

        Assert.True(listing.FileExists("out/late.txt"));
    }

    [Fact]
    public void FileExists_MissingFolder_IsFalseWithoutThrowing()
    {
        var listing = new ProjectListing(_project.Path);
        for (var i = 0; i < 40; i++)
        {
            Assert.False(listing.FileExists($"nowhere/n{i}.txt"));
        }
    }

    [Fact]
    public void FileExists_FilesAtTheProjectRootAndAbsolutePaths_Answered()
    {
        var rooted = _project.WriteFile("top.txt", "x");
        var listing = new ProjectListing(_project.Path);
        for (var i = 0; i < 40; i++)
        {
            Assert.True(listing.FileExists("top.txt"));
            Assert.False(listing.FileExists($"missing{i}.txt"));
        }

        Assert.True(listing.FileExists(rooted));
        Assert.False(listing.FileExists(rooted + ".gone"));
    }

    public void Dispose() => _project.Dispose();
}
