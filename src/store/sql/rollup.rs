//! The statements that feed usagetop's rollup cache: usage per (15-minute
//! UTC slot, model, estimated) for a part of the table, the table's time
//! bounds, its physical extent (to scan it in chunks with progress), and a
//! row count that verifies the cache.

use super::{Bind, SqlBuilder, Statement};
use crate::period::{SECONDS_PER_DAY, SLOT_SECONDS};
use crate::store::mapping::Tokens;
use crate::store::{SecondsRange, EARLIEST_SECONDS, LATEST_SECONDS};

/// Slots added before dividing, so that division floors before 1970 too.
const FLOOR_SHIFT_SECONDS: i64 = 1_000_000 * SECONDS_PER_DAY;

/// The inner rollup's grouping columns, first in its `SELECT` list in this
/// order. The model leads: SQLite sorts a chunk's rows (in time order)
/// into groups with fewer steps so (8 % fewer instructions per chunk;
/// 13 % with the estimated flag left out where it cannot vary).
const SLOT_GROUP: [&str; 3] = [
    "usagetop_stored_model",
    "usagetop_slot",
    "usagetop_estimated",
];

/// The statements answering a rollup of one part of the table.
#[derive(Debug, Clone)]
pub struct RollupStatements {
    /// One pass whose answer is exact when no row counts as rejected.
    pub optimistic: Option<Statement>,
    /// The statements that are always exact, their rows added together.
    pub exact: Vec<Statement>,
    /// Each statement returns one row holding a JSON array of the rows.
    pub json: bool,
}

/// Which rows one rollup statement reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// Every row.
    All,
    /// Rows at positions `[start, end)`: SQLite rowids, PostgreSQL pages,
    /// MySQL primary-key values (`i64::MIN` and `i64::MAX` leave that end open).
    Physical {
        /// First position.
        start: i64,
        /// First position after.
        end: i64,
    },
    /// Rows whose timestamp lies at or after `start` (unix seconds).
    Since(i64),
    /// Rows whose timestamp lies in `[start, end)` (unix seconds).
    Between(i64, i64),
}

impl SqlBuilder {
    /// The slot expression inside the grouped query (NULL for a row whose
    /// timestamp cannot be read or, except for a native slot, lies outside
    /// the years counted), and its conversion to unix seconds outside it
    /// (NULL for a group whose timestamps are not usable).
    fn slot_expressions(&self) -> (String, String) {
        let ts = self.timestamp();
        if let Some(slot) = self.rules().native_slot(self.checked.time, &ts) {
            // The years counted begin and end on slot boundaries, and a NULL
            // timestamp has a NULL slot: whether a group's timestamps are
            // usable is a test of its slot, once per group, not per row.
            return (
                slot,
                format!(
                    "CASE WHEN {} THEN {} END",
                    self.slot_usable(),
                    self.seconds_of("usagetop_slot")
                ),
            );
        }
        let valid = self.valid_instant();
        (
            format!(
                "CASE WHEN {valid} THEN ({divided} - {shift}) * {SLOT_SECONDS} END",
                divided = self.rules().div(
                    &format!("({}) + {FLOOR_SHIFT_SECONDS}", self.seconds()),
                    SLOT_SECONDS
                ),
                shift = FLOOR_SHIFT_SECONDS / SLOT_SECONDS
            ),
            "usagetop_slot".to_owned(),
        )
    }

    /// The grouping columns: without the estimated flag where it is the
    /// same for every row (no stored cost, or only a total token count),
    /// as a constant key still costs a comparison per row in a sort.
    fn slot_group(&self) -> &'static [&'static str] {
        let mapping = &self.checked.mapping;
        if mapping.cost.is_none() || matches!(mapping.tokens, Tokens::Total(_)) {
            &SLOT_GROUP[..2]
        } else {
            &SLOT_GROUP
        }
    }

    /// True, outside the grouped query, for a group whose timestamps are
    /// usable (and so have a slot).
    fn slot_usable(&self) -> String {
        if self
            .rules()
            .native_slot(self.checked.time, "usagetop_slot")
            .is_some()
        {
            self.in_counted_years("usagetop_slot")
        } else {
            "usagetop_slot IS NOT NULL".to_owned()
        }
    }

    /// `MIN` and `MAX` of the usable timestamps inside the grouped query, a
    /// NULL of the same type, and the conversions to unix seconds outside it.
    fn extremes(&self) -> [String; 5] {
        let ts = self.timestamp();
        if self.raw_orders_like_seconds() {
            // A group has a usable slot exactly when its rows' timestamps
            // are usable: the raw extremes of a group with one are those of
            // usable timestamps, and a group without one has none. No test
            // per row.
            let nullable = self.rules().nullable(&ts);
            let usable =
                |seconds: String| format!("CASE WHEN {} THEN {seconds} END", self.slot_usable());
            [
                format!("MIN({nullable})"),
                format!("MAX({nullable})"),
                format!("MIN(CASE WHEN 1 = 0 THEN {ts} END)"),
                usable(self.seconds_of("usagetop_first")),
                usable(self.seconds_of("usagetop_last")),
            ]
        } else {
            let seconds = self.valid_seconds();
            [
                format!("MIN({seconds})"),
                format!("MAX({seconds})"),
                format!("MIN(CASE WHEN 1 = 0 THEN {seconds} END)"),
                "usagetop_first".to_owned(),
                "usagetop_last".to_owned(),
            ]
        }
    }

    /// The outer `SELECT` list of every rollup statement (the fifteen
    /// columns, timestamps converted to unix seconds), and the inner
    /// aggregates of the usage sums named as the outer list reads them.
    fn rollup_columns(&self) -> (String, String) {
        let (_, outer_slot) = self.slot_expressions();
        let [_, _, _, outer_first, outer_last] = self.extremes();
        let rules = self.rules();
        let outer = format!(
            "SELECT {} AS usagetop_slot_s, {} AS usagetop_model, usagetop_estimated, usagetop_requests, \
                    usagetop_input, usagetop_output, usagetop_cache_read, usagetop_cache_write, \
                    usagetop_cache_write_1h, usagetop_cost, usagetop_kept, usagetop_rejected, usagetop_adjusted, \
                    {} AS usagetop_first_s, {} AS usagetop_last_s",
            rules.integer(&outer_slot),
            self.model_of("usagetop_stored_model"),
            rules.integer(&outer_first),
            rules.integer(&outer_last),
        );
        let names = [
            "usagetop_requests",
            "usagetop_input",
            "usagetop_output",
            "usagetop_cache_read",
            "usagetop_cache_write",
            "usagetop_cache_write_1h",
            "usagetop_cost",
        ];
        let measures = self
            .summed_measures()
            .into_iter()
            .zip(names)
            .map(|(value, name)| format!("{value} AS {name}"))
            .collect::<Vec<_>>()
            .join(", ");
        (outer, measures)
    }

    /// Rows whose computed input fell back to the stored one, per group.
    fn adjusted_count(&self, among: Option<&str>) -> String {
        let rules = self.rules();
        match (self.adjusted(), among) {
            (Some(adjusted), Some(among)) => {
                rules.count_where(&format!("({adjusted}) AND NOT ({among})"))
            }
            (Some(adjusted), None) => rules.count_where(&adjusted),
            (None, _) => rules.integer("0"),
        }
    }

    /// The two statements of a rollup of the rows `scan` selects: usage per
    /// (slot, model, estimated) of the rows kept, and the count per (slot,
    /// model, estimated) of rows left out (a value that cannot be read, a
    /// negative token count). Both return: slot start (unix seconds, NULL
    /// for rows whose timestamp cannot be read), model, estimated (0 or 1),
    /// requests, five token sums (the fifth the 1-hour cache writes), stored cost (nano-dollars), rows kept, rows
    /// rejected, rows whose input was taken as stored, first and last
    /// timestamp (unix seconds). Rows are grouped by the model as stored
    /// and its name is trimmed after grouping (once per group, not per
    /// row), so two spellings of one name (` gpt-4o`, `gpt-4o`) may give
    /// two rows for one slot and model: the cache adds them up.
    #[must_use]
    pub fn rollup(&self, scan: Scan) -> Vec<Statement> {
        let unusable = self.unusable();
        let (inner_slot, _) = self.slot_expressions();
        let [first, last, no_first, _, _] = self.extremes();
        let rules = self.rules();
        let group = rules.group_by(self.slot_group());
        let count = rules.integer("COUNT(*)");
        let zero = rules.integer("0");
        let null = rules.null_integer();
        let (predicate, binds) = self.scan_predicate(scan);
        let filter = self.user_where("AND");
        let (outer, measures) = self.rollup_columns();
        let table = self.table();
        let model = self.model_as_stored();
        let estimated = self.estimated();
        let adjusted = self.adjusted_count(None);
        let kept = format!(
            "{outer} FROM (SELECT {model} AS usagetop_stored_model, {inner_slot} AS usagetop_slot, \
                    {estimated} AS usagetop_estimated, {measures}, \
                    {count} AS usagetop_kept, {zero} AS usagetop_rejected, {adjusted} AS usagetop_adjusted, \
                    {first} AS usagetop_first, {last} AS usagetop_last \
                   FROM {table} WHERE {predicate}{filter} AND NOT ({unusable}){group}) AS usagetop_rollup"
        );
        let rejected = format!(
            "{outer} FROM (SELECT {model} AS usagetop_stored_model, {inner_slot} AS usagetop_slot, \
                    {estimated} AS usagetop_estimated, \
                    {zero} AS usagetop_requests, {zero} AS usagetop_input, {zero} AS usagetop_output, \
                    {zero} AS usagetop_cache_read, {zero} AS usagetop_cache_write, \
                    {zero} AS usagetop_cache_write_1h, {null} AS usagetop_cost, \
                    {zero} AS usagetop_kept, {count} AS usagetop_rejected, {zero} AS usagetop_adjusted, \
                    {no_first} AS usagetop_first, {last} AS usagetop_last \
                   FROM {table} WHERE {predicate}{filter} AND ({unusable}){group}) AS usagetop_rollup"
        );
        vec![
            Statement {
                sql: kept,
                binds: binds.clone(),
            },
            Statement {
                sql: rejected,
                binds,
            },
        ]
    }

    /// One pass over the rows `scan` selects, summing every row, with
    /// `usagetop_rejected` non-zero for a group that holds (or, by the
    /// engine's per-group test, may hold) a row left out: the same columns
    /// as [`Self::rollup`], and its exact answer whenever every group's is
    /// zero (almost always). Otherwise [`Self::rollup`] must answer.
    #[must_use]
    pub fn rollup_optimistic(&self, scan: Scan) -> Statement {
        let unusable = self.unusable();
        let (inner_slot, _) = self.slot_expressions();
        let [first, last, _, _, _] = self.extremes();
        let rules = self.rules();
        // Counting the rows left out tests every row; a per-group test from
        // aggregates is cheaper, and any group it flags sends the scan to
        // the exact statements all the same.
        let rejected = match self.group_suspect() {
            Some(suspect) => rules.integer(&rules.flag(&suspect)),
            None => rules.count_where(&unusable),
        };
        let kept = rules.integer("COUNT(*)");
        let group = rules.group_by(self.slot_group());
        let (predicate, binds) = self.scan_predicate(scan);
        let filter = self.user_where("AND");
        let (outer, measures) = self.rollup_columns();
        let sql = format!(
            "{outer} FROM (SELECT {model} AS usagetop_stored_model, {inner_slot} AS usagetop_slot, \
                    {estimated} AS usagetop_estimated, {measures}, \
                    {kept} AS usagetop_kept, {rejected} AS usagetop_rejected, {adjusted} AS usagetop_adjusted, \
                    {first} AS usagetop_first, {last} AS usagetop_last \
                   FROM {table} WHERE {predicate}{filter}{group}) AS usagetop_rollup",
            model = self.model_as_stored(),
            estimated = self.estimated(),
            adjusted = self.adjusted_count(None),
            table = self.table(),
        );
        Statement { sql, binds }
    }

    /// The predicate selecting `scan`'s rows, with its binds.
    fn scan_predicate(&self, scan: Scan) -> (String, Vec<Bind>) {
        match scan {
            Scan::All => ("1 = 1".to_owned(), Vec::new()),
            Scan::Physical { start, end } => match &self.position_key {
                Some(key) => self.key_range(key, start, end),
                None => self.rules().physical_range(start, end),
            },
            Scan::Since(start) | Scan::Between(start, _) => {
                let end = match scan {
                    Scan::Between(_, end) => end,
                    _ => LATEST_SECONDS,
                };
                let calendar =
                    crate::period::Calendar::new(chrono_tz::UTC, crate::period::WeekStart::Monday);
                self.range(SecondsRange { start, end }, &calendar, 1)
            }
        }
    }

    /// Rows whose `key` lies in `[start, end)`, an end at `i64::MIN` or
    /// `i64::MAX` left open (so that every row lies in one chunk, whatever
    /// the key's type holds).
    fn key_range(&self, key: &str, start: i64, end: i64) -> (String, Vec<Bind>) {
        let key = Self::column(key);
        let mut tests = Vec::new();
        let mut binds = Vec::new();
        if start != i64::MIN {
            binds.push(Bind::Int(start));
            tests.push(format!("{key} >= {}", self.placeholder(binds.len())));
        }
        if end != i64::MAX {
            binds.push(Bind::Int(end));
            tests.push(format!("{key} < {}", self.placeholder(binds.len())));
        }
        if tests.is_empty() {
            tests.push("1 = 1".to_owned());
        }
        (tests.join(" AND "), binds)
    }

    /// Reads rollups of [`Scan::Physical`] in ranges of `key`'s values.
    pub fn set_position_key(&mut self, key: Option<String>) {
        self.position_key = key;
    }

    /// The smallest and largest value of the position key, as signed 64-bit
    /// integers (`None` without a key).
    #[must_use]
    pub fn key_extent(&self) -> Option<Statement> {
        let key = Self::column(self.position_key.as_ref()?);
        let rules = self.rules();
        Some(Statement {
            sql: format!(
                "SELECT {}, {} FROM {}",
                rules.integer(&format!("MIN({key})")),
                rules.integer(&format!("MAX({key})")),
                self.table()
            ),
            binds: Vec::new(),
        })
    }

    /// The first and last usable timestamps of the table (unix seconds).
    #[must_use]
    pub fn bounds(&self) -> Statement {
        let ts = self.timestamp();
        let table = self.table();
        let calendar =
            crate::period::Calendar::new(chrono_tz::UTC, crate::period::WeekStart::Monday);
        let (predicate, binds) = self.range(
            SecondsRange {
                start: EARLIEST_SECONDS,
                end: LATEST_SECONDS,
            },
            &calendar,
            1,
        );
        let filter = self.user_where("AND");
        let rules = self.rules();
        // One aggregate per subquery: each is then one step down the index.
        let (first, last, binds) = if self.raw_orders_like_seconds() {
            let (second, _) = self.range(
                SecondsRange {
                    start: EARLIEST_SECONDS,
                    end: LATEST_SECONDS,
                },
                &calendar,
                3,
            );
            let mut all = binds.clone();
            all.extend(binds);
            (
                self.seconds_of(&format!(
                    "(SELECT MIN({}) FROM {table} WHERE {predicate}{filter})",
                    rules.nullable(&ts)
                )),
                self.seconds_of(&format!(
                    "(SELECT MAX({}) FROM {table} WHERE {second}{filter})",
                    rules.nullable(&ts)
                )),
                all,
            )
        } else {
            let seconds = self.valid_seconds();
            (
                format!(
                    "(SELECT MIN({seconds}) FROM {table}{})",
                    self.user_where("WHERE")
                ),
                format!(
                    "(SELECT MAX({seconds}) FROM {table}{})",
                    self.user_where("WHERE")
                ),
                Vec::new(),
            )
        };
        Statement {
            sql: format!("SELECT {}, {}", rules.integer(&first), rules.integer(&last)),
            binds,
        }
    }

    /// The table's physical extent (SQLite: the largest rowid; PostgreSQL:
    /// pages) and the server version (0 for none).
    #[must_use]
    pub fn extent(&self) -> Statement {
        self.rules().extent(&self.table())
    }
}
