//! Exactly once across imports: per file, its identity (device and inode),
//! the bytes and lines read so far, a fingerprint of what was read and the
//! reader's state there (`import_files`). A file that grew is read on from
//! its offset; one rewritten, replaced or truncated has the events it gave
//! removed and is read again from the start.

use std::fs::File;
use std::os::unix::fs::FileExt;

use sqlx::SqliteConnection;

use super::{database, ImportError};

/// What identifies a file's content between imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// Device number.
    pub device: u64,
    /// Inode number.
    pub inode: u64,
    /// Size in bytes now.
    pub size: u64,
}

/// A file's row in `import_files`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// Row id (`usage_events.import_file`).
    pub id: i64,
    /// Device and inode when last read.
    pub device: u64,
    /// Inode when last read.
    pub inode: u64,
    /// Bytes consumed (complete lines).
    pub read_bytes: u64,
    /// Lines consumed.
    pub read_lines: u64,
    /// Fingerprint of the consumed bytes.
    pub fingerprint: i64,
    /// The reader's state after them.
    pub state: Option<String>,
}

/// What to do with a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Never read: from the start.
    New,
    /// Nothing new since the last import.
    Unchanged,
    /// Grown: on from the offset.
    Resume(FileRecord),
    /// Rewritten, replaced or truncated: its events replaced.
    Rewritten(FileRecord),
}

/// Decides how to read a file, given its last record and `fingerprint` of
/// its first bytes up to an offset.
///
/// # Errors
/// The file cannot be read to compute the fingerprint.
pub fn plan(
    previous: Option<FileRecord>,
    now: Identity,
    fingerprint: impl FnOnce(u64) -> std::io::Result<i64>,
) -> std::io::Result<Plan> {
    let Some(record) = previous else {
        return Ok(Plan::New);
    };
    let same_file = record.device == now.device && record.inode == now.inode;
    if !same_file
        || now.size < record.read_bytes
        || fingerprint(record.read_bytes)? != record.fingerprint
    {
        return Ok(Plan::Rewritten(record));
    }
    if now.size == record.read_bytes {
        return Ok(Plan::Unchanged);
    }
    Ok(Plan::Resume(record))
}

/// Bytes hashed at each end of the consumed part.
const HEAD: u64 = 4096;
const TAIL: u64 = 512;

/// FNV-1a over the first 4 KiB and the last 512 bytes before `upto`, and
/// `upto` itself: a file rewritten in place with other content shows.
///
/// # Errors
/// The file cannot be read.
pub fn fingerprint(file: &File, upto: u64) -> std::io::Result<i64> {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(&upto.to_le_bytes());
    let head = HEAD.min(upto);
    let tail_start = upto.saturating_sub(TAIL).max(head);
    for (start, end) in [(0, head), (tail_start, upto)] {
        let mut buffer = vec![0; usize::try_from(end - start).unwrap_or(0)];
        file.read_exact_at(&mut buffer, start)?;
        feed(&buffer);
    }
    Ok(i64::from_ne_bytes(hash.to_ne_bytes()))
}

fn as_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn as_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

type Row = (i64, i64, i64, i64, i64, i64, Option<String>);

/// The record of `path` for `source`, if it was read before.
///
/// # Errors
/// The database cannot be read.
pub async fn load(
    conn: &mut SqliteConnection,
    source: &str,
    path: &str,
) -> Result<Option<FileRecord>, ImportError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, device, inode, read_bytes, read_lines, fingerprint, state \
         FROM import_files WHERE source = ? AND path = ?",
    )
    .bind(source)
    .bind(path)
    .fetch_optional(conn)
    .await
    .map_err(database("reading the import state"))?;
    Ok(row.map(
        |(id, device, inode, read_bytes, read_lines, fingerprint, state)| FileRecord {
            id,
            device: device.cast_unsigned(),
            inode: inode.cast_unsigned(),
            read_bytes: as_u64(read_bytes),
            read_lines: as_u64(read_lines),
            fingerprint,
            state,
        },
    ))
}

/// Records a file read for the first time.
///
/// # Errors
/// The database cannot be written.
pub async fn create(
    conn: &mut SqliteConnection,
    source: &str,
    path: &str,
    identity: Identity,
    now: i64,
) -> Result<FileRecord, ImportError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO import_files (source, path, device, inode, size, read_bytes, read_lines, \
         fingerprint, state, imported_at) VALUES (?, ?, ?, ?, ?, 0, 0, 0, NULL, ?) RETURNING id",
    )
    .bind(source)
    .bind(path)
    .bind(identity.device.cast_signed())
    .bind(identity.inode.cast_signed())
    .bind(as_i64(identity.size))
    .bind(now)
    .fetch_one(conn)
    .await
    .map_err(database("recording a new file"))?;
    Ok(FileRecord {
        id,
        device: identity.device,
        inode: identity.inode,
        read_bytes: 0,
        read_lines: 0,
        fingerprint: 0,
        state: None,
    })
}

/// A rewritten file: removes the events it gave and starts it again, in
/// one transaction. Returns the fresh record and the events removed.
///
/// # Errors
/// The database cannot be written.
pub async fn restart(
    conn: &mut SqliteConnection,
    record: FileRecord,
    identity: Identity,
    now: i64,
) -> Result<(FileRecord, u64), ImportError> {
    use sqlx::Connection;
    let mut tx = conn
        .begin()
        .await
        .map_err(database("starting a transaction"))?;
    let removed = sqlx::query("DELETE FROM usage_events WHERE import_file = ?")
        .bind(record.id)
        .execute(&mut *tx)
        .await
        .map_err(database("removing the events of a rewritten file"))?
        .rows_affected();
    sqlx::query(
        "UPDATE import_files SET device = ?, inode = ?, size = ?, read_bytes = 0, read_lines = 0, \
         fingerprint = 0, state = NULL, imported_at = ? WHERE id = ?",
    )
    .bind(identity.device.cast_signed())
    .bind(identity.inode.cast_signed())
    .bind(as_i64(identity.size))
    .bind(now)
    .bind(record.id)
    .execute(&mut *tx)
    .await
    .map_err(database("restarting a rewritten file"))?;
    tx.commit()
        .await
        .map_err(database("committing a restart"))?;
    let fresh = FileRecord {
        device: identity.device,
        inode: identity.inode,
        read_bytes: 0,
        read_lines: 0,
        fingerprint: 0,
        state: None,
        ..record
    };
    Ok((fresh, removed))
}

/// Where reading a file has got to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The file's size.
    pub size: u64,
    /// Bytes consumed.
    pub read_bytes: u64,
    /// Lines consumed.
    pub read_lines: u64,
    /// Fingerprint of the consumed bytes.
    pub fingerprint: i64,
    /// The reader's state.
    pub state: Option<String>,
    /// Unix seconds.
    pub now: i64,
}

/// Saves a file's progress, in the transaction that wrote its events.
///
/// # Errors
/// The database cannot be written.
pub async fn save(
    conn: &mut SqliteConnection,
    id: i64,
    progress: &Progress,
) -> Result<(), ImportError> {
    sqlx::query(
        "UPDATE import_files SET size = ?, read_bytes = ?, read_lines = ?, fingerprint = ?, \
         state = ?, imported_at = ? WHERE id = ?",
    )
    .bind(as_i64(progress.size))
    .bind(as_i64(progress.read_bytes))
    .bind(as_i64(progress.read_lines))
    .bind(progress.fingerprint)
    .bind(progress.state.as_deref())
    .bind(progress.now)
    .bind(id)
    .execute(conn)
    .await
    .map_err(database("saving the import state"))?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;

    fn record(read_bytes: u64, fingerprint: i64) -> FileRecord {
        FileRecord {
            id: 1,
            device: 1,
            inode: 2,
            read_bytes,
            read_lines: 3,
            fingerprint,
            state: None,
        }
    }

    #[test]
    fn plans_follow_identity_size_and_content() {
        let at = |size| Identity {
            device: 1,
            inode: 2,
            size,
        };
        let same = |_| Ok(7);
        assert_eq!(plan(None, at(10), same).unwrap(), Plan::New);
        assert_eq!(
            plan(Some(record(10, 7)), at(10), same).unwrap(),
            Plan::Unchanged
        );
        assert_eq!(
            plan(Some(record(10, 7)), at(20), same).unwrap(),
            Plan::Resume(record(10, 7))
        );
        assert_eq!(
            plan(Some(record(10, 7)), at(5), same).unwrap(),
            Plan::Rewritten(record(10, 7))
        );
        assert_eq!(
            plan(Some(record(10, 8)), at(20), same).unwrap(),
            Plan::Rewritten(record(10, 8))
        );
        let moved = Identity { inode: 9, ..at(20) };
        assert_eq!(
            plan(Some(record(10, 7)), moved, same).unwrap(),
            Plan::Rewritten(record(10, 7))
        );
    }

    #[test]
    fn the_fingerprint_sees_content_and_length() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&[b'a'; 10_000]).unwrap();
        let whole = fingerprint(&file, 10_000).unwrap();
        assert_ne!(whole, fingerprint(&file, 9_999).unwrap());
        file.write_all_at(b"b", 9_990).unwrap();
        assert_ne!(whole, fingerprint(&file, 10_000).unwrap());
        assert_eq!(
            fingerprint(&file, 0).unwrap(),
            fingerprint(&file, 0).unwrap()
        );
    }
}
