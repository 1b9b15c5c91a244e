//! SQLite's result codes, read from a driver error, so that errors are told
//! apart by code and never by the words of a message (which change between
//! SQLite versions and are not part of its interface).

/// A primary result code (the low byte of an extended code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// `SQLITE_PERM`: access permission denied.
    Permission,
    /// `SQLITE_BUSY`: another connection holds the lock.
    Busy,
    /// `SQLITE_LOCKED`: a table in this connection is locked.
    Locked,
    /// `SQLITE_READONLY`: the file or the connection is read-only.
    ReadOnly,
    /// `SQLITE_IOERR`: the operating system reported an I/O error.
    Io,
    /// `SQLITE_CORRUPT`: the file is damaged.
    Corrupt,
    /// `SQLITE_FULL`: the disk is full.
    Full,
    /// `SQLITE_CANTOPEN`: the file cannot be opened.
    CannotOpen,
    /// `SQLITE_NOTADB`: the file is not a database.
    NotADatabase,
    /// Any other code.
    Other(i32),
}

impl Code {
    /// The primary code of `error` when SQLite raised it.
    #[must_use]
    pub fn of(error: &sqlx::Error) -> Option<Self> {
        let sqlx::Error::Database(database) = error else {
            return None;
        };
        database.try_downcast_ref::<sqlx::sqlite::SqliteError>()?;
        let extended: i32 = database.code()?.parse().ok()?;
        Some(Self::from_primary(extended & 0xff))
    }

    fn from_primary(code: i32) -> Self {
        match code {
            3 => Self::Permission,
            5 => Self::Busy,
            6 => Self::Locked,
            8 => Self::ReadOnly,
            10 => Self::Io,
            11 => Self::Corrupt,
            13 => Self::Full,
            14 => Self::CannotOpen,
            26 => Self::NotADatabase,
            other => Self::Other(other),
        }
    }

    /// Another connection or process holds a lock.
    #[must_use]
    pub fn is_busy(self) -> bool {
        matches!(self, Self::Busy | Self::Locked)
    }

    /// The disk or the folder refused the write: full, read-only, no
    /// permission, an I/O error, a file that cannot be opened.
    #[must_use]
    pub fn is_storage(self) -> bool {
        matches!(
            self,
            Self::Permission | Self::ReadOnly | Self::Io | Self::Full | Self::CannotOpen
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{Connection, SqliteConnection};

    async fn error_of(sql: &str, options: sqlx::sqlite::SqliteConnectOptions) -> sqlx::Error {
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .expect("open");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .expect_err("the statement must fail")
    }

    #[tokio::test]
    async fn codes_are_read_from_real_errors() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("a.db");
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .expect("open");
        sqlx::raw_sql("CREATE TABLE t (x)")
            .execute(&mut conn)
            .await
            .expect("create");
        conn.close().await.expect("close");
        let read_only = error_of("INSERT INTO t VALUES (1)", options.clone().read_only(true)).await;
        assert_eq!(Code::of(&read_only), Some(Code::ReadOnly));
        assert!(Code::ReadOnly.is_storage());
        let syntax = error_of("SELEC 1", options.clone()).await;
        assert_eq!(Code::of(&syntax), Some(Code::Other(1)));
        std::fs::write(
            &path,
            b"this is no database, only some text that fills a page",
        )
        .expect("write");
        let not_a_database = error_of("SELECT * FROM t", options).await;
        assert_eq!(Code::of(&not_a_database), Some(Code::NotADatabase));
        assert_eq!(Code::of(&sqlx::Error::PoolTimedOut), None);
        assert!(Code::from_primary(517 & 0xff).is_busy());
    }
}
