//! `usagetop import`: usage from the coding agents' logs into usagetop's own
//! SQLite database, exactly once. Each source has a line parser of its own
//! (`claude`, `codex`); `lines` reads complete lines in chunks, `state`
//! remembers how far each file was read (and notices a file rewritten or
//! truncated), `writer` stores the events under their source keys, `follow`
//! runs the imports `[import] follow` lists for the dashboard's worker.
//! Layered under `commands` and the worker, over the SQLite connection
//! `store` opens.

pub mod claude;
pub mod codex;
pub mod fetch;
pub mod follow;
pub mod gemini;
pub mod lines;
pub mod mapping;
pub mod paths;
pub mod report;
pub mod state;
pub mod table;
pub mod writer;

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use sqlx::{Connection, SqliteConnection};

use mapping::Columns;

/// The kinds of usage files `usagetop import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceKind {
    /// Claude Code session logs (`~/.claude/projects`, `~/.config/claude/projects`, `CLAUDE_CONFIG_DIR`)
    ClaudeCode,
    /// OpenAI Codex CLI rollouts (`~/.codex/sessions`, `CODEX_HOME`)
    Codex,
    /// Gemini CLI chat recordings (`~/.gemini/tmp/*/chats`)
    Gemini,
    /// CSV files with a header line, through the `[import]` column mapping (`-`: standard input)
    Csv,
    /// JSON-lines files, one event per line, through the `[import]` mapping (`-`: standard input)
    Jsonl,
    /// Pages of OpenAI's organization usage report (`/v1/organization/usage/completions`), or --fetch
    OpenaiUsage,
    /// Pages of Anthropic's usage report (`/v1/organizations/usage_report/messages`), or --fetch
    AnthropicUsage,
}

impl SourceKind {
    /// The name stored in `usage_events.source` and shown to people.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::ClaudeCode => "claude-code",
            Self::Codex => "codex",
            Self::Gemini => "gemini",
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
            Self::OpenaiUsage => "openai-usage",
            Self::AnthropicUsage => "anthropic-usage",
        }
    }

    /// The provider whose usage report this source reads, if it is one.
    #[must_use]
    pub fn report(self) -> Option<report::Provider> {
        match self {
            Self::OpenaiUsage => Some(report::Provider::OpenAi),
            Self::AnthropicUsage => Some(report::Provider::Anthropic),
            _ => None,
        }
    }

    /// Which of two events with the same key is kept.
    fn bigger(self) -> writer::Bigger {
        if self.report().is_some() {
            writer::Bigger::Total
        } else {
            writer::Bigger::Output
        }
    }

    /// The import file to record on each stored event, so that a file
    /// rewritten has its events replaced. None for usage reports: a bucket
    /// is in many pages, and its key alone keeps it once.
    fn owner(self, file: i64) -> Option<i64> {
        self.report().is_none().then_some(file)
    }

    fn parser(
        self,
        path: Option<&Path>,
        saved: Option<&str>,
        columns: &Columns,
    ) -> Box<dyn LineParser> {
        let origin = path.map(|path| format!("{}:{}", self.name(), path.display()));
        match self {
            Self::ClaudeCode => Box::new(claude::ClaudeParser::for_file(
                path.unwrap_or(Path::new("-")),
            )),
            Self::Codex => Box::new(codex::CodexParser::resume(saved)),
            Self::Gemini => Box::new(gemini::GeminiParser::for_file(
                path.unwrap_or(Path::new("-")),
                saved,
            )),
            Self::Csv => Box::new(table::TableParser::new(
                table::Format::Csv,
                columns.clone(),
                origin,
                saved,
            )),
            Self::Jsonl => Box::new(table::TableParser::new(
                table::Format::Jsonl,
                columns.clone(),
                origin,
                saved,
            )),
            Self::OpenaiUsage => Box::new(report::ReportParser::new(report::Provider::OpenAi)),
            Self::AnthropicUsage => {
                Box::new(report::ReportParser::new(report::Provider::Anthropic))
            }
        }
    }
}

/// One request (or one group of requests) read from a source, in
/// usagetop's token convention: input excludes cache reads and writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unix seconds, UTC.
    pub ts: i64,
    /// The model as the source names it.
    pub model: String,
    /// The identity of the request across files and machines (empty: none,
    /// the event is stored as new).
    pub key: String,
    /// Requests this event stands for: 1 for one request, the bucket's count
    /// for a usage-report bucket (0 where the report gives none).
    pub requests: i64,
    /// Input tokens, cache excluded.
    pub input: i64,
    /// Output tokens, reasoning included.
    pub output: i64,
    /// Cache reads.
    pub cache_read: i64,
    /// Cache writes, 5-minute and 1-hour.
    pub cache_write: i64,
    /// The 1-hour part of `cache_write`.
    pub cache_write_1h: i64,
    /// The project (Claude Code's project folder, Codex's working directory).
    pub project: Option<String>,
    /// The agent's session id.
    pub session: Option<String>,
    /// The user (CSV and JSON lines).
    pub user: Option<String>,
    /// The endpoint (CSV and JSON lines).
    pub endpoint: Option<String>,
    /// The cost the log recorded itself, in USD.
    pub cost_usd: Option<f64>,
}

impl SourceKind {
    /// True for files read whole, never resumed (legacy Gemini chats: one
    /// JSON document rewritten on every change; usage-report pages).
    fn reads_whole(self, path: &Path) -> bool {
        self.report().is_some()
            || (self == Self::Gemini && path.extension().is_some_and(|ext| ext == "json"))
    }
}

/// Reads the lines of one source. A line that cannot be read is an `Err`
/// with the reason; lines without usage add nothing.
pub trait LineParser: Send {
    /// Reads one complete line (without its newline), pushing its events.
    ///
    /// # Errors
    /// The line is not what the source writes; the reason, for people.
    fn parse(&mut self, line: &[u8], out: &mut Vec<Event>) -> Result<(), String>;

    /// The state to resume after the lines read so far (JSON), if any.
    fn state(&self) -> Option<String>;

    /// Reads a whole file that is one document (see `SourceKind::reads_whole`).
    ///
    /// # Errors
    /// The document is not what the source writes.
    fn parse_document(&mut self, _bytes: &[u8], _out: &mut Vec<Event>) -> Result<(), String> {
        Err("this source is read line by line".to_owned())
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files looked at.
    pub files: u64,
    /// Files read for the first time.
    pub new_files: u64,
    /// Files read on from where the last import stopped.
    pub grown: u64,
    /// Files with nothing new.
    pub unchanged: u64,
    /// Files rewritten or truncated since: their events replaced.
    pub rewritten: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Complete lines read.
    pub lines: u64,
    /// Events stored for the first time.
    pub added: u64,
    /// Events whose counts a later line replaced (a streamed message's final counts).
    pub updated: u64,
    /// Events of rewritten files removed before reading them again.
    pub removed: u64,
    /// Lines that could not be read, skipped.
    pub malformed: u64,
    /// One of them: `file:line: reason`.
    pub example: Option<String>,
}

/// A failure that stops an import (one bad line never does).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The database refused a statement.
    #[error("cannot write the imported usage ({what}): {source}")]
    Database {
        /// What was being done.
        what: &'static str,
        /// Why.
        source: sqlx::Error,
    },
    /// Nothing to read.
    #[error("{0}")]
    NoFiles(String),
    /// A usage report's page could not be fetched.
    #[error(transparent)]
    Fetch(#[from] fetch::FetchError),
}

fn database(what: &'static str) -> impl Fn(sqlx::Error) -> ImportError {
    move |source| ImportError::Database { what, source }
}

/// Progress of an import: bytes read so far of the bytes to read.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// Input bytes whose events are written in one transaction: whole files
/// are added to a transaction until it holds this much, then it commits
/// (each commit waits for the disk, several times; a first import of
/// hundreds of files commits a few times instead of once per chunk).
const COMMIT_BYTES: u64 = 64 << 20;

/// Imports `files` of `kind` into usagetop's own database on `conn`.
/// Each chunk of lines is written with the file's new offset (a savepoint
/// in the transaction of a batch of whole files, committed every
/// [`COMMIT_BYTES`] of input and at the end; standard input commits each
/// chunk), so an interrupted import resumes where the last commit stopped
/// and never counts twice.
///
/// # Errors
/// A file cannot be read, or the database cannot be written.
pub async fn run(
    conn: &mut SqliteConnection,
    kind: SourceKind,
    columns: &Columns,
    files: &[PathBuf],
    now: i64,
    progress: Progress<'_>,
) -> Result<Summary, ImportError> {
    let mut summary = Summary::default();
    let before = writer::count(conn).await?;
    let total: u64 = files
        .iter()
        .filter_map(|path| std::fs::metadata(path).ok())
        .map(|meta| meta.len())
        .sum();
    let mut done = 0u64;
    let mut step = |bytes| {
        done += bytes;
        progress(done, total);
    };
    let is_stdin = |path: &PathBuf| path.as_os_str() == "-";
    let mut rest = files;
    while let Some(path) = rest.first() {
        if is_stdin(path) {
            // A program piping its events in: each chunk visible once read.
            import_stdin(conn, kind, columns, &mut summary, &mut step).await?;
            rest = &rest[1..];
            continue;
        }
        // Whole files in one transaction (dropped, it rolls back: the
        // files' events and offsets go together, never apart).
        let mut tx = conn
            .begin()
            .await
            .map_err(database("starting a transaction"))?;
        let start = summary.bytes;
        while let Some(path) = rest.first().filter(|path| !is_stdin(path)) {
            if summary.bytes - start >= COMMIT_BYTES {
                break;
            }
            import_file(&mut tx, kind, columns, path, now, &mut summary, &mut step).await?;
            rest = &rest[1..];
        }
        tx.commit()
            .await
            .map_err(database("committing imported events"))?;
    }
    let after = writer::count(conn).await?;
    summary.added =
        u64::try_from(after - before + i64::try_from(summary.removed).unwrap_or(0)).unwrap_or(0);
    summary.updated = summary.updated.saturating_sub(summary.added);
    Ok(summary)
}

/// The start of the newest bucket imported from `kind`, if any.
///
/// # Errors
/// The database cannot be read.
pub async fn latest(
    conn: &mut SqliteConnection,
    kind: SourceKind,
) -> Result<Option<i64>, ImportError> {
    let (latest,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(ts) FROM usage_events WHERE source = ?")
            .bind(kind.name())
            .fetch_one(conn)
            .await
            .map_err(database("reading the latest imported bucket"))?;
    Ok(latest)
}

/// Writes `events` of a page or of standard input (no file state) in one
/// transaction; returns how many stored events they updated.
async fn commit_events(
    conn: &mut SqliteConnection,
    kind: SourceKind,
    events: &[Event],
) -> Result<u64, ImportError> {
    let mut tx = conn
        .begin()
        .await
        .map_err(database("starting a transaction"))?;
    let updated = writer::write(&mut tx, kind.name(), None, events, kind.bigger()).await?;
    tx.commit()
        .await
        .map_err(database("committing imported events"))?;
    Ok(updated)
}

/// Imports the pages `fetcher` pulls, each page in its own transaction (an
/// interrupted fetch keeps what it stored; the keys keep it once). `files`
/// of the summary counts pages.
///
/// # Errors
/// A page cannot be fetched, or the database cannot be written.
pub async fn run_fetch(
    conn: &mut SqliteConnection,
    kind: SourceKind,
    fetcher: &mut fetch::Fetcher,
    progress: &(dyn Fn(u32) + Send + Sync),
) -> Result<Summary, ImportError> {
    let mut summary = Summary::default();
    let Some(provider) = kind.report() else {
        return Err(ImportError::NoFiles(format!(
            "--fetch reads the providers' usage reports only (openai-usage, anthropic-usage), not {}",
            kind.name()
        )));
    };
    let parser = report::ReportParser::new(provider);
    let before = writer::count(conn).await?;
    let mut events = Vec::new();
    while let Some(page) = fetcher.next_page().await? {
        events.clear();
        summary.files += 1;
        summary.lines += 1;
        summary.bytes += page.to_string().len() as u64;
        if let Err(reason) = parser.read_page(&page, &mut events) {
            summary.malformed += 1;
            summary
                .example
                .get_or_insert_with(|| format!("page {}: {reason}", fetcher.pages()));
        }
        summary.updated += commit_events(conn, kind, &events).await?;
        progress(fetcher.pages());
    }
    let after = writer::count(conn).await?;
    summary.added = u64::try_from(after - before).unwrap_or(0);
    summary.updated = summary.updated.saturating_sub(summary.added);
    Ok(summary)
}

/// Parses the lines of `chunk`, counting the malformed ones.
fn parse_lines(
    parser: &mut dyn LineParser,
    chunk: &[u8],
    shown: &str,
    line_number: &mut u64,
    summary: &mut Summary,
    events: &mut Vec<Event>,
) {
    for line in lines::split(chunk) {
        *line_number += 1;
        if let Err(reason) = parser.parse(line, events) {
            summary.malformed += 1;
            summary
                .example
                .get_or_insert_with(|| format!("{shown}:{line_number}: {reason}"));
        }
    }
}

/// Standard input: read to its end (its last line needs no newline), no
/// state kept; events without a key are stored as new.
async fn import_stdin(
    conn: &mut SqliteConnection,
    kind: SourceKind,
    columns: &Columns,
    summary: &mut Summary,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<(), ImportError> {
    let io = |source| ImportError::Io {
        path: "standard input".to_owned(),
        source,
    };
    let stdin = std::io::stdin();
    let file = File::from(
        std::os::fd::AsFd::as_fd(&stdin)
            .try_clone_to_owned()
            .map_err(io)?,
    );
    summary.files += 1;
    let mut parser = kind.parser(None, None, columns);
    if kind.report().is_some() {
        // Pages as curl prints them: one document, read whole.
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut &file, &mut bytes).map_err(io)?;
        let mut events = Vec::new();
        if let Err(reason) = parser.parse_document(&bytes, &mut events) {
            summary.malformed += 1;
            summary
                .example
                .get_or_insert_with(|| format!("-: {reason}"));
        }
        summary.bytes += bytes.len() as u64;
        summary.lines += 1;
        summary.updated += commit_events(conn, kind, &events).await?;
        progress(bytes.len() as u64);
        return Ok(());
    }
    let mut reader = lines::ChunkReader::open(&file, 0).map_err(io)?;
    let mut line_number = 0;
    let mut events = Vec::new();
    loop {
        events.clear();
        let (length, last) = match reader.next_chunk().map_err(io)? {
            Some(chunk) => {
                parse_lines(
                    parser.as_mut(),
                    chunk,
                    "-",
                    &mut line_number,
                    summary,
                    &mut events,
                );
                (chunk.len(), false)
            }
            None => {
                let rest = reader.remainder();
                parse_lines(
                    parser.as_mut(),
                    rest,
                    "-",
                    &mut line_number,
                    summary,
                    &mut events,
                );
                (rest.len(), true)
            }
        };
        summary.bytes += length as u64;
        summary.updated += commit_events(conn, kind, &events).await?;
        progress(length as u64);
        if last {
            break;
        }
    }
    summary.lines += line_number;
    Ok(())
}

async fn import_file(
    conn: &mut SqliteConnection,
    kind: SourceKind,
    columns: &Columns,
    path: &Path,
    now: i64,
    summary: &mut Summary,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<(), ImportError> {
    let shown = path.display().to_string();
    let io = |source| ImportError::Io {
        path: shown.clone(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    let identity = state::Identity {
        device: meta.dev(),
        inode: meta.ino(),
        size: meta.len(),
    };
    summary.files += 1;
    let source = kind.name();
    let previous = state::load(conn, source, &shown).await?;
    let plan =
        state::plan(previous, identity, |upto| state::fingerprint(&file, upto)).map_err(io)?;
    let resumed = matches!(plan, state::Plan::Resume(_));
    let record = match plan {
        state::Plan::Unchanged => {
            summary.unchanged += 1;
            return Ok(());
        }
        state::Plan::New => {
            summary.new_files += 1;
            state::create(conn, source, &shown, identity, now).await?
        }
        state::Plan::Resume(record) => record,
        state::Plan::Rewritten(record) => {
            summary.rewritten += 1;
            let (record, removed) = state::restart(conn, record, identity, now).await?;
            summary.removed += removed;
            record
        }
    };
    let mut parser = kind.parser(Some(path), record.state.as_deref(), columns);
    if kind.reads_whole(path) {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut &file, &mut bytes).map_err(io)?;
        let mut events = Vec::new();
        if let Err(reason) = parser.parse_document(&bytes, &mut events) {
            summary.malformed += 1;
            summary
                .example
                .get_or_insert_with(|| format!("{shown}:1: {reason}"));
        }
        let length = bytes.len() as u64;
        summary.bytes += length;
        summary.lines += 1;
        let progress_made = state::Progress {
            size: length,
            read_bytes: length,
            read_lines: 1,
            fingerprint: state::fingerprint(&file, length).map_err(io)?,
            state: parser.state(),
            now,
        };
        let mut tx = conn
            .begin()
            .await
            .map_err(database("starting a transaction"))?;
        summary.updated += writer::write(
            &mut tx,
            source,
            kind.owner(record.id),
            &events,
            kind.bigger(),
        )
        .await?;
        state::save(&mut tx, record.id, &progress_made).await?;
        tx.commit()
            .await
            .map_err(database("committing imported events"))?;
        progress(length);
        if resumed {
            summary.grown += 1;
        }
        return Ok(());
    }
    let mut reader = lines::ChunkReader::open(&file, record.read_bytes).map_err(io)?;
    let mut offset = record.read_bytes;
    let mut line_number = record.read_lines;
    let mut events = Vec::new();
    while let Some(chunk) = reader.next_chunk().map_err(io)? {
        events.clear();
        parse_lines(
            parser.as_mut(),
            chunk,
            &shown,
            &mut line_number,
            summary,
            &mut events,
        );
        let length = chunk.len() as u64;
        offset += length;
        summary.bytes += length;
        let fingerprint = state::fingerprint(&file, offset).map_err(io)?;
        let mut tx = conn
            .begin()
            .await
            .map_err(database("starting a transaction"))?;
        summary.updated += writer::write(
            &mut tx,
            source,
            kind.owner(record.id),
            &events,
            kind.bigger(),
        )
        .await?;
        state::save(
            &mut tx,
            record.id,
            &state::Progress {
                size: identity.size.max(offset),
                read_bytes: offset,
                read_lines: line_number,
                fingerprint,
                state: parser.state(),
                now,
            },
        )
        .await?;
        tx.commit()
            .await
            .map_err(database("committing imported events"))?;
        progress(length);
    }
    if resumed {
        // Grown by complete lines, or only by one still being written.
        if offset > record.read_bytes {
            summary.grown += 1;
        } else {
            summary.unchanged += 1;
        }
    }
    summary.lines += line_number - record.read_lines;
    Ok(())
}
