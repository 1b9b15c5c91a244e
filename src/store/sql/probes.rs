//! Probes of a source's data, built by the same builder: what the reports
//! leave out and why (one pass a session), and the samples that settle how
//! timestamps are stored.

use super::{Bind, SqlBuilder, Statement};
use crate::store::mapping::MILLIS_THRESHOLD;

/// Rows of each end of the timestamp index sampled to tell seconds from milliseconds.
pub const UNIT_SAMPLE: i64 = 500;

impl SqlBuilder {
    /// One pass over the table that counts what the reports leave out and
    /// note: rows with a negative token count; rows with a value that cannot
    /// be read (with an example); rows whose timestamp cannot be read or
    /// lies outside the years counted (with an example); rows dated after
    /// `after` (with the latest); rows whose input was taken as stored; rows
    /// priced as an estimate (no stored cost).
    #[must_use]
    pub fn quality(&self, after: i64) -> Statement {
        let rules = self.rules();
        let ts = self.timestamp();
        let valid = self.valid_instant();
        let seconds = self.valid_seconds();
        let unreadable = self.unreadable().unwrap_or_else(|| "1 = 0".to_owned());
        let examples: Vec<String> = self
            .named_readings()
            .into_iter()
            .filter_map(|(role, reading)| {
                reading.unreadable.map(|test| {
                    format!(
                        "CASE WHEN {test} THEN {} || {} END",
                        rules.literal(&format!("{role} = ")),
                        rules.text(&reading.shown)
                    )
                })
            })
            .collect();
        let example = match examples.as_slice() {
            [] => "NULL".to_owned(),
            [one] => one.clone(),
            many => format!("COALESCE({})", many.join(", ")),
        };
        let adjusted = self.adjusted().map_or_else(
            || "1 = 0".to_owned(),
            |test| format!("{valid} AND NOT ({unreadable}) AND {test}"),
        );
        let estimated = format!("{} = 1", self.estimated());
        let example = format!("CASE WHEN {valid} THEN {example} END");
        let sql = format!(
            "SELECT {negative}, {unreadable_rows}, MIN({example}), {bad_instants}, \
                    MIN(CASE WHEN NOT ({valid}) THEN COALESCE({ts_text}, 'NULL') END), \
                    {future}, {latest}, {adjusted_rows}, {estimated_rows} \
             FROM {table}{filter}",
            negative = rules.count_where(&format!(
                "{valid} AND NOT ({unreadable}) AND ({})",
                self.negative()
            )),
            unreadable_rows = rules.count_where(&format!("{valid} AND ({unreadable})")),
            bad_instants = rules.count_where(&format!("NOT ({valid})")),
            ts_text = rules.text(&ts),
            future = rules.count_where(&format!("{seconds} > {}", self.placeholder(1))),
            latest = rules.integer(&format!("MAX({seconds})")),
            adjusted_rows = rules.count_where(&adjusted),
            estimated_rows =
                rules.count_where(&format!("{valid} AND NOT ({unreadable}) AND {estimated}")),
            table = self.table(),
            filter = self.user_where("WHERE"),
        );
        Statement {
            sql,
            binds: vec![Bind::Int(after)],
        }
    }

    /// The raw timestamps at both ends of the column (by its index): how
    /// many look like milliseconds, of how many, at each end.
    #[must_use]
    pub fn unit_sample(&self) -> Statement {
        let ts = self.timestamp();
        let table = self.table();
        let rules = self.rules();
        // Numbers only: SQLite sorts text after every number.
        let numbers = format!("{ts} >= -9000000000000000000 AND {ts} < 9000000000000000000");
        let end = |order: &str| {
            format!(
                "(SELECT {looks}, {count} FROM (SELECT {ts} AS usagetop_v FROM {table} \
                  WHERE {numbers} ORDER BY {ts} {order} LIMIT {UNIT_SAMPLE}) AS usagetop_end)",
                looks = rules.count_where(&format!(
                    "usagetop_v >= {MILLIS_THRESHOLD} OR usagetop_v <= -{MILLIS_THRESHOLD}"
                )),
                count = rules.integer("COUNT(*)"),
            )
        };
        Statement {
            sql: format!(
                "SELECT * FROM {} AS usagetop_low, {} AS usagetop_high",
                end("ASC"),
                end("DESC")
            ),
            binds: Vec::new(),
        }
    }

    /// Every numeric raw timestamp: how many look like milliseconds, of how
    /// many (a full pass, for a column the sample found mixed).
    #[must_use]
    pub fn unit_count(&self) -> Statement {
        let ts = self.timestamp();
        let rules = self.rules();
        Statement {
            sql: format!(
                "SELECT {}, {} FROM {} WHERE {ts} >= -9000000000000000000 AND {ts} < 9000000000000000000",
                rules.count_where(&format!(
                    "{ts} >= {MILLIS_THRESHOLD} OR {ts} <= -{MILLIS_THRESHOLD}"
                )),
                rules.integer("COUNT(*)"),
                self.table()
            ),
            binds: Vec::new(),
        }
    }

    /// One non-null raw timestamp as text (to tell dates from timestamps).
    #[must_use]
    pub fn sample_timestamp_text(&self) -> Statement {
        let ts = self.timestamp();
        Statement {
            sql: format!(
                "SELECT {} FROM {} WHERE {ts} IS NOT NULL LIMIT 1",
                self.rules().text(&ts),
                self.table()
            ),
            binds: Vec::new(),
        }
    }
}
