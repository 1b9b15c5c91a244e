//! The SQLite backend: usagetop's embedded default database and any SQLite
//! file, read through a `[source]` mapping. Databases usagetop created are
//! migrated; every other file is opened read-only and never written. A file
//! replaced under a running session is opened anew; a deleted one is an error.

pub mod codes;
pub mod dialect;
pub mod overlap;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{Connection, SqliteConnection};

use super::mapping::{ColumnKind, Mapping, TableName};
use super::migrate;
use super::runner::{SqlBackend, SqlStore};
use super::sql::{Bind, Dialect, RollupStatements, Scan, Statement};
use super::{StoreError, UsageStore};

/// How long a query waits for a writer's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A SQLite usage database.
pub type SqliteStore = SqlStore<SqliteBackend>;

/// How to reach a SQLite file: its pool (opened anew when the file is
/// replaced), and whether it is usagetop's own database with its
/// trigger-kept rollup.
#[derive(Debug)]
pub struct SqliteBackend {
    /// Connections to the file as it was when last checked.
    pool: RwLock<SqlitePool>,
    path: PathBuf,
    /// The file the pool reads (device and inode), to notice a replacement.
    identity: Mutex<Option<FileIdentity>>,
    /// usagetop's own database read with the native mapping: its
    /// trigger-kept `usage_slots` table feeds the rollup cache.
    own_rollup: bool,
    /// usagetop's own database, read with any mapping.
    ours: bool,
}

/// Page cache of each connection, in KiB (SQLite's default is 2,000). SQLite
/// sorts a `GROUP BY` in memory up to this size and spills to temporary files
/// beyond it: a cold-build chunk of 50,000 rows sorts in about 3 MB, so at the
/// default every chunk wrote and read back a temporary file.
const CACHE_KIB: i64 = 4_096;

fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(BUSY_TIMEOUT)
        // A setting of this connection only: nothing is written to the file.
        .pragma("cache_size", format!("-{CACHE_KIB}"))
}

/// Which file a path names: device and inode.
type FileIdentity = (u64, u64);

fn file_identity(path: &Path) -> Option<FileIdentity> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .ok()
        .map(|metadata| (metadata.dev(), metadata.ino()))
}

fn open_error(path: &Path, detail: impl Into<String>) -> StoreError {
    StoreError::Open {
        url: format!("sqlite://{}", path.display()),
        detail: detail.into(),
    }
}

fn explain(path: &Path, error: &sqlx::Error) -> StoreError {
    let detail = match codes::Code::of(error) {
        Some(codes::Code::NotADatabase | codes::Code::Corrupt) => {
            "the file is not a SQLite database, or it is damaged; check the path".to_owned()
        }
        Some(codes::Code::CannotOpen | codes::Code::Permission) => {
            "the file cannot be opened; check that it exists and that you may read it".to_owned()
        }
        _ => error.to_string(),
    };
    open_error(path, detail)
}

/// Narrows the permissions of a file or folder usagetop created.
fn restrict(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

/// Creates (when missing) and migrates usagetop's own database at `path`.
/// Refuses a file usagetop did not create.
async fn create_or_migrate(path: &Path) -> Result<(), StoreError> {
    refuse_non_files(path)?;
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        if !parent.exists() {
            std::fs::create_dir_all(parent).map_err(|error| {
                open_error(
                    path,
                    format!("cannot create the folder {}: {error}", parent.display()),
                )
            })?;
            // Usage data is private: a folder usagetop creates is the owner's alone.
            restrict(parent, 0o700);
        }
    }
    let existed = path.exists();
    let mut conn = SqliteConnection::connect_with(&options(path).create_if_missing(true))
        .await
        .map_err(|error| explain(path, &error))?;
    if !existed {
        restrict(path, 0o600);
    }
    if existed
        && !migrate::is_ours(&mut conn)
            .await
            .map_err(|error| explain(path, &error))?
    {
        let _ = conn.close().await;
        return Err(StoreError::Refused(format!(
            "{} was not created by usagetop, and usagetop never writes to a database it did not create; \
             give a new file instead (e.g. --database-url sqlite://demo.db)",
            path.display()
        )));
    }
    let url = format!("sqlite://{}", path.display());
    migrate::run(&mut conn, &migrate::SQLITE)
        .await
        .map_err(|error| StoreError::write("applying migrations", &url, &error.source))?;
    let _ = conn.close().await;
    Ok(())
}

impl SqliteStore {
    /// Opens `path` for reading with `mapping`. A database usagetop created is
    /// migrated first; with `create`, a missing file is created as one. Any
    /// other file is opened read-only. The mapping is checked here.
    ///
    /// # Errors
    /// A missing file (without `create`), a file that is not SQLite, a
    /// mapping that does not fit the table.
    pub async fn open(path: &Path, create: bool, mapping: Mapping) -> Result<Self, StoreError> {
        refuse_non_files(path)?;
        if !path.exists() {
            if !create {
                return Err(open_error(
                    path,
                    format!(
                        "the file does not exist; check the path, or create it with demo data: \
                         usagetop demo --database-url sqlite://{}",
                        path.display()
                    ),
                ));
            }
            create_or_migrate(path).await?;
        } else if probe_is_ours(path).await? {
            create_or_migrate(path).await?;
        }
        let ours = probe_is_ours(path).await?;
        let own_rollup = mapping == Mapping::default() && ours;
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options(path).read_only(true))
            .await
            .map_err(|error| explain(path, &error))?;
        let backend = SqliteBackend {
            pool: RwLock::new(pool),
            path: path.to_path_buf(),
            identity: Mutex::new(file_identity(path)),
            own_rollup,
            ours,
        };
        let store = SqlStore::new(backend, mapping);
        store.prepare().await?;
        Ok(store)
    }

    /// Opens (creating when missing) usagetop's own database for writing.
    ///
    /// # Errors
    /// A file usagetop did not create, or one that cannot be written.
    pub async fn open_writable(path: &Path) -> Result<SqlitePool, StoreError> {
        create_or_migrate(path).await?;
        SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options(path))
            .await
            .map_err(|error| explain(path, &error))
    }
}

/// Refuses a path that names a folder, a FIFO, a device or a socket: SQLite
/// would report a bare I/O error, or wait forever on a FIFO.
fn refuse_non_files(path: &Path) -> Result<(), StoreError> {
    let Ok(metadata) = std::fs::metadata(path) else {
        return Ok(());
    };
    if metadata.is_file() {
        return Ok(());
    }
    let what = if metadata.is_dir() {
        "a folder"
    } else {
        "not a regular file (a FIFO, a device or a socket)"
    };
    Err(open_error(
        path,
        format!("this is {what}, not a SQLite database; give the path of a database file"),
    ))
}

/// True when the file at `path` is a database usagetop created.
async fn probe_is_ours(path: &Path) -> Result<bool, StoreError> {
    let mut conn = SqliteConnection::connect_with(&options(path).read_only(true))
        .await
        .map_err(|error| explain(path, &error))?;
    let ours = migrate::is_ours(&mut conn)
        .await
        .map_err(|error| explain(path, &error))?;
    let _ = conn.close().await;
    Ok(ours)
}

impl SqliteBackend {
    fn current_pool(&self) -> SqlitePool {
        self.pool
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl SqlBackend for SqliteBackend {
    type Db = Sqlite;

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn describe(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    /// The file itself: its canonical path and, on Unix, its device and
    /// inode, so that two files of the same name never share a cache.
    fn identity(&self) -> String {
        let canonical = std::fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone());
        let file = self
            .identity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .map_or_else(String::new, |(device, inode)| format!(" {device}:{inode}"));
        format!("sqlite://{}{file}", canonical.display())
    }

    fn pool(&self) -> SqlitePool {
        self.current_pool()
    }

    fn query_error(&self, what: &'static str, error: &sqlx::Error) -> StoreError {
        StoreError::query(what, &self.describe(), error)
    }

    /// Notices a file deleted or replaced since the last query: a deleted
    /// file is an error (the last numbers stay on screen), a replaced one
    /// (moved over the path, as tools that write a new copy do) is opened
    /// anew.
    async fn follow_source(&self) -> Result<bool, StoreError> {
        let Some(now) = file_identity(&self.path) else {
            return Err(open_error(
                &self.path,
                "the file was deleted or moved while usagetop was running; the numbers \
                 shown are the last ones read. Put the file back (usagetop reads it again \
                 at the next refresh), or restart with --database-url naming another file",
            ));
        };
        let known = *self
            .identity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if known == Some(now) {
            return Ok(false);
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options(&self.path).read_only(true))
            .await
            .map_err(|error| explain(&self.path, &error))?;
        let old = std::mem::replace(
            &mut *self
                .pool
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            pool,
        );
        *self
            .identity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(now);
        old.close().await;
        Ok(true)
    }

    async fn columns(&self, table: &TableName) -> Result<Vec<(String, ColumnKind)>, StoreError> {
        let rows: Vec<(String, String)> = match &table.schema {
            Some(schema) => {
                sqlx::query_as("SELECT name, type FROM pragma_table_info(?1, ?2)")
                    .bind(&table.name)
                    .bind(schema)
                    .fetch_all(&self.current_pool())
                    .await
            }
            None => {
                sqlx::query_as("SELECT name, type FROM pragma_table_info(?1)")
                    .bind(&table.name)
                    .fetch_all(&self.current_pool())
                    .await
            }
        }
        .map_err(|error| explain(&self.path, &error))?;
        Ok(rows
            .into_iter()
            .map(|(name, declared)| (name, ColumnKind::from_sqlite(&declared)))
            .collect())
    }

    async fn tables(&self) -> Vec<TableName> {
        let rows: Result<Vec<(String,)>, _> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name",
        )
        .fetch_all(&self.current_pool())
        .await;
        rows.map(|rows| {
            rows.into_iter()
                .map(|(name,)| TableName { schema: None, name })
                .collect()
        })
        .unwrap_or_default()
    }

    /// usagetop's own database: from the trigger-kept `usage_slots`.
    fn own_rollup(&self, scan: Scan) -> Option<RollupStatements> {
        if !self.own_rollup {
            return None;
        }
        let select = "SELECT slot, model, 0, requests, input, output, cache_read, cache_write, \
                      cache_write_1h, NULL, kept, rejected, 0, first_ts, last_ts FROM usage_slots";
        let statement = match scan {
            Scan::Since(from) => Statement {
                sql: format!("{select} WHERE slot >= ? AND slot < ?"),
                binds: vec![Bind::Int(from), Bind::Int(super::LATEST_SECONDS)],
            },
            Scan::Between(from, until) => Statement {
                sql: format!("{select} WHERE slot >= ? AND slot < ?"),
                binds: vec![Bind::Int(from), Bind::Int(until)],
            },
            Scan::All | Scan::Physical { .. } => Statement {
                sql: select.to_owned(),
                binds: Vec::new(),
            },
        };
        Some(RollupStatements {
            optimistic: None,
            exact: self.json_rows(&statement).into_iter().collect(),
            json: true,
        })
    }

    /// One text instead of a row per group: sqlx decodes rows one by one
    /// at microseconds each; parsing one JSON text does not.
    fn json_rows(&self, statement: &Statement) -> Option<Statement> {
        let columns: Vec<String> = (1..=15).map(|index| format!("c{index}")).collect();
        let list = columns.join(", ");
        Some(Statement {
            sql: format!(
                "WITH usagetop_rows ({list}) AS ({}) \
                 SELECT COALESCE(json_group_array(json_array({list})), '[]') FROM usagetop_rows",
                statement.sql
            ),
            binds: statement.binds.clone(),
        })
    }

    /// Usage per UTC day and model from the trigger-kept `usage_slots`.
    fn own_fingerprints(&self, range: super::SecondsRange) -> Option<Statement> {
        self.own_rollup.then(|| Statement {
            sql: "SELECT (slot + 86400000000) / 86400 - 1000000, model, 0, SUM(requests), SUM(input), \
                  SUM(output), SUM(cache_read), SUM(cache_write), SUM(cache_write_1h), NULL \
                  FROM usage_slots \
                  WHERE slot >= ? AND slot < ? AND kept > 0 GROUP BY 1, 2"
                .to_owned(),
            binds: vec![Bind::Int(range.start), Bind::Int(range.end)],
        })
    }

    /// Rowid chunks; none for the trigger-kept rollup (one small read).
    fn positions(&self) -> Option<super::PositionKind> {
        (!self.own_rollup).then_some(super::PositionKind::Rowids)
    }

    fn is_server(&self) -> bool {
        false
    }

    /// usagetop's own database: a provider's usage from two kinds of source.
    async fn data_notes(&self) -> Vec<String> {
        if self.ours {
            overlap::notes(&self.current_pool()).await
        } else {
            Vec::new()
        }
    }
}
