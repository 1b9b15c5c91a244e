//! The rollup cache: usagetop's own SQLite file per source (in the user's
//! cache directory) holding usage per (15-minute UTC slot, model) and the
//! local days derived from it, kept up to date incrementally, so that a
//! refresh costs what the new rows cost, not what the table costs.
//! `db` owns the file, `cached` the store that answers from it.

mod batches;
mod build;
pub mod cached;
pub mod db;
mod refresh;
mod schema;

use std::path::{Path, PathBuf};

pub use cached::CachedStore;
pub use db::{CacheDb, CacheError, CacheSummary, ModelGlobs};

/// Default late-arrival window: rows up to this much older than the newest
/// row seen are still picked up by an incremental refresh.
pub const DEFAULT_LATE_SECONDS: i64 = 7_200;

/// How the cache is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheOptions {
    /// Use the cache at all (`--no-cache` turns it off).
    pub enabled: bool,
    /// The folder of cache files.
    pub dir: PathBuf,
    /// Seconds before the watermark re-read on every refresh.
    pub late_seconds: i64,
    /// Compare all of history with the source before the first answer (`--verify`).
    pub verify: bool,
}

/// The cache file of a source: one per source identity (URL without
/// password, table and mapping), named by a stable hash of it.
#[must_use]
pub fn file_for(dir: &Path, identity: &str) -> PathBuf {
    dir.join(format!("rollup-{:016x}.sqlite", fnv1a(identity.as_bytes())))
}

/// FNV-1a, 64 bits: stable across builds and platforms (unlike `DefaultHasher`).
#[must_use]
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn sources_get_their_own_files() {
        let dir = Path::new("/cache");
        let a = file_for(dir, "postgres://u@h/db\nmapping a");
        let b = file_for(dir, "postgres://u@h/db\nmapping b");
        assert_ne!(a, b);
        assert_eq!(a, file_for(dir, "postgres://u@h/db\nmapping a"));
    }
}
