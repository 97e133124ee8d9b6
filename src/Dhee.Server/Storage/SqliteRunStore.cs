using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Server.Runs;
using Microsoft.Data.Sqlite;

namespace Dhee.Server.Storage;

/// <summary>
/// A run store in a SQLite file (WAL mode): runs, events and results survive restarts. Events are appended in one
/// transaction per batch, so tens of thousands of events per second can be stored.
/// </summary>
public sealed class SqliteRunStore : IRunStore, IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS runs (
          preparation_id TEXT PRIMARY KEY,
          dag_run_id TEXT UNIQUE,
          owner TEXT NOT NULL,
          status TEXT NOT NULL,
          title TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          finished_at INTEGER,
          record TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS runs_owner_created ON runs(owner, created_at);
        CREATE INDEX IF NOT EXISTS runs_status_finished ON runs(status, finished_at);
        CREATE TABLE IF NOT EXISTS events (
          preparation_id TEXT NOT NULL,
          seq INTEGER NOT NULL,
          kind TEXT NOT NULL,
          node_id TEXT,
          item_id TEXT,
          payload TEXT,
          ts INTEGER NOT NULL,
          PRIMARY KEY (preparation_id, seq)) WITHOUT ROWID;
        """;

    private const string RunColumns = "record";

    private readonly string connectionString;
    private readonly SqliteConnection writer;
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private bool disposed;

    /// <summary>Initializes a new instance of the <see cref="SqliteRunStore"/> class, creating the file and tables if needed.</summary>
    /// <param name="databasePath">The SQLite file; its folder is created if missing.</param>
    public SqliteRunStore(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        DatabasePath = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        writer = Open();
        Execute(writer, "PRAGMA journal_mode=WAL;");
        Execute(writer, Schema);
    }

    /// <summary>Gets the absolute path of the database file.</summary>
    public string DatabasePath { get; }

    /// <inheritdoc/>
    public async ValueTask CreateAsync(RunRecord run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        await WriteAsync(
            connection => Upsert(connection, run, insertOnly: true),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<RunRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {RunColumns} FROM runs WHERE preparation_id = $id OR dag_run_id = $id LIMIT 1";
        command.Parameters.AddWithValue("$id", id);
        var json = command.ExecuteScalar() as string;
        return ValueTask.FromResult(json is null ? null : Deserialize(json));
    }

    /// <inheritdoc/>
    public async ValueTask UpdateAsync(RunRecord run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        await WriteAsync(connection => Upsert(connection, run, insertOnly: false), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask AppendEventsAsync(string preparationId, IReadOnlyList<RunEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        await WriteAsync(
            connection =>
            {
                using var transaction = connection.BeginTransaction();
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "INSERT INTO events (preparation_id, seq, kind, node_id, item_id, payload, ts) VALUES ($p, $s, $k, $n, $i, $d, $t)";
                var p = command.Parameters.Add("$p", SqliteType.Text);
                var s = command.Parameters.Add("$s", SqliteType.Integer);
                var k = command.Parameters.Add("$k", SqliteType.Text);
                var n = command.Parameters.Add("$n", SqliteType.Text);
                var i = command.Parameters.Add("$i", SqliteType.Text);
                var d = command.Parameters.Add("$d", SqliteType.Text);
                var t = command.Parameters.Add("$t", SqliteType.Integer);
                command.Prepare();
                p.Value = preparationId;
                foreach (var e in events)
                {
                    s.Value = e.Seq;
                    k.Value = e.Kind;
                    n.Value = (object?)e.NodeId ?? DBNull.Value;
                    i.Value = (object?)e.ItemId ?? DBNull.Value;
                    d.Value = e.Payload is null ? DBNull.Value : e.Payload.ToJsonString();
                    t.Value = e.Ts.ToUnixTimeMilliseconds();
                    command.ExecuteNonQuery();
                }

                transaction.Commit();
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RunEvent>> ReadEventsAsync(string preparationId, long afterSequence, int maxCount, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, kind, node_id, item_id, payload, ts FROM events WHERE preparation_id = $p AND seq > $s ORDER BY seq LIMIT $m";
        command.Parameters.AddWithValue("$p", preparationId);
        command.Parameters.AddWithValue("$s", afterSequence);
        command.Parameters.AddWithValue("$m", maxCount);
        using var reader = command.ExecuteReader();
        var events = new List<RunEvent>();
        while (reader.Read())
        {
            events.Add(new RunEvent(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : JsonNode.Parse(reader.GetString(4)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
        }

        return ValueTask.FromResult<IReadOnlyList<RunEvent>>(events);
    }

    /// <inheritdoc/>
    public ValueTask<long> GetLastSequenceAsync(string preparationId, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM events WHERE preparation_id = $p";
        command.Parameters.AddWithValue("$p", preparationId);
        return ValueTask.FromResult(Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture));
    }

    /// <inheritdoc/>
    public ValueTask<RunPage> ListAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var connection = Open();
        using var command = connection.CreateCommand();
        var where = new List<string>();
        if (query.Owner is not null)
        {
            where.Add("owner = $owner");
            command.Parameters.AddWithValue("$owner", query.Owner);
        }

        if (query.Statuses is { Count: > 0 } statuses)
        {
            var names = statuses.Select((status, i) =>
            {
                command.Parameters.AddWithValue($"$st{i}", status.ToWireName());
                return $"$st{i}";
            });
            where.Add($"status IN ({string.Join(", ", names)})");
        }
        else if (query.Statuses is { Count: 0 })
        {
            where.Add("0");
        }

        if (!string.IsNullOrEmpty(query.TitleContains))
        {
            where.Add("instr(lower(title), lower($title)) > 0");
            command.Parameters.AddWithValue("$title", query.TitleContains);
        }

        var filter = where.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", where);
        command.CommandText = $"SELECT COUNT(*) FROM runs{filter}";
        var total = Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        command.CommandText = $"SELECT {RunColumns} FROM runs{filter} ORDER BY created_at DESC, preparation_id DESC LIMIT $limit OFFSET $offset";
        command.Parameters.AddWithValue("$limit", query.Limit);
        command.Parameters.AddWithValue("$offset", query.Offset);
        return ValueTask.FromResult(new RunPage(ReadRuns(command), total));
    }

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteAsync(string preparationId, CancellationToken cancellationToken = default)
    {
        var deleted = false;
        await WriteAsync(
            connection =>
            {
                using var transaction = connection.BeginTransaction();
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.Parameters.AddWithValue("$p", preparationId);
                command.CommandText = "DELETE FROM events WHERE preparation_id = $p";
                command.ExecuteNonQuery();
                command.CommandText = "DELETE FROM runs WHERE preparation_id = $p";
                deleted = command.ExecuteNonQuery() > 0;
                transaction.Commit();
            },
            cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RunRecord>> ListRunningAsync(CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {RunColumns} FROM runs WHERE status = 'running'";
        return ValueTask.FromResult(ReadRuns(command));
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RunRecord>> ListFinishedBeforeAsync(DateTimeOffset cutoff, int maxCount, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {RunColumns} FROM runs WHERE status IN ('success', 'failed', 'cancelled', 'interrupted') AND finished_at < $cutoff LIMIT $m";
        command.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$m", maxCount);
        return ValueTask.FromResult(ReadRuns(command));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        writeLock.Wait();
        try
        {
            writer.Dispose();
            SqliteConnection.ClearAllPools();
        }
        finally
        {
            writeLock.Release();
            writeLock.Dispose();
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static RunRecord Deserialize(string json) =>
        JsonSerializer.Deserialize<RunRecord>(json, ServerJson.Options) ?? throw new JsonException("A stored run is empty.");

    private static IReadOnlyList<RunRecord> ReadRuns(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var runs = new List<RunRecord>();
        while (reader.Read())
        {
            runs.Add(Deserialize(reader.GetString(0)));
        }

        return runs;
    }

    private static void Upsert(SqliteConnection connection, RunRecord run, bool insertOnly)
    {
        using var command = connection.CreateCommand();
        command.CommandText = insertOnly
            ? "INSERT INTO runs (preparation_id, dag_run_id, owner, status, title, created_at, finished_at, record) VALUES ($p, $d, $o, $s, $t, $c, $f, $r)"
            : """
              INSERT INTO runs (preparation_id, dag_run_id, owner, status, title, created_at, finished_at, record) VALUES ($p, $d, $o, $s, $t, $c, $f, $r)
              ON CONFLICT(preparation_id) DO UPDATE SET dag_run_id = $d, status = $s, title = $t, finished_at = $f, record = $r
              """;
        command.Parameters.AddWithValue("$p", run.PreparationId);
        command.Parameters.AddWithValue("$d", (object?)run.DagRunId ?? DBNull.Value);
        command.Parameters.AddWithValue("$o", run.Owner);
        command.Parameters.AddWithValue("$s", run.Status.ToWireName());
        command.Parameters.AddWithValue("$t", run.Title);
        command.Parameters.AddWithValue("$c", run.CreatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$f", run.FinishedAt is { } f ? f.ToUnixTimeMilliseconds() : DBNull.Value);
        command.Parameters.AddWithValue("$r", JsonSerializer.Serialize(run, ServerJson.Options));
        command.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;");
        return connection;
    }

    private async ValueTask WriteAsync(Action<SqliteConnection> write, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            write(writer);
        }
        finally
        {
            writeLock.Release();
        }
    }
}
