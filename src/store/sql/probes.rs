//! Probes of a source's data, built by the same builder: what the reports
//! leave out (one pass a session), and the samples that settle how
//! timestamps are stored.

use super::{Bind, Dialect, SqlBuilder, Statement};

impl SqlBuilder {
    /// One pass over the table that counts what the reports leave out: rows
    /// with negative token counts, rows whose timestamp cannot be read (with
    /// an example), and rows dated more than a day after `now` (with the latest).
    #[must_use]
    pub fn quality(&self, now: i64) -> Statement {
        let ts = self.column(&self.checked.mapping.timestamp);
        let seconds = self.seconds();
        let (count, text) = match self.dialect {
            Dialect::Sqlite => ("INTEGER", format!("CAST({ts} AS TEXT)")),
            Dialect::Postgres => ("BIGINT", format!("{ts}::text")),
        };
        let placeholder = self.placeholder(1);
        let filter = self.user_where("WHERE");
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(CASE WHEN {negative} THEN 1 ELSE 0 END), 0) AS {count}), \
                    CAST(COALESCE(SUM(CASE WHEN {seconds} IS NULL THEN 1 ELSE 0 END), 0) AS {count}), \
                    MIN(CASE WHEN {seconds} IS NULL THEN {text} END), \
                    CAST(COALESCE(SUM(CASE WHEN {seconds} > {placeholder} THEN 1 ELSE 0 END), 0) AS {count}), \
                    CAST(MAX({seconds}) AS {count}) \
             FROM {table}{filter}",
            negative = self.negative(),
            table = self.table(),
        );
        Statement {
            sql,
            binds: vec![Bind::Int(now.saturating_add(86_400))],
        }
    }

    /// The largest raw timestamp value (to tell seconds from milliseconds).
    #[must_use]
    pub fn max_raw_timestamp(&self) -> Statement {
        Statement {
            sql: format!(
                "SELECT CAST(MAX({}) AS BIGINT) FROM {}",
                self.column(&self.checked.mapping.timestamp),
                self.table()
            ),
            binds: Vec::new(),
        }
    }

    /// One non-null raw timestamp as text (to tell dates from timestamps).
    #[must_use]
    pub fn sample_timestamp_text(&self) -> Statement {
        let ts = self.column(&self.checked.mapping.timestamp);
        let cast = match self.dialect {
            Dialect::Sqlite => format!("CAST({ts} AS TEXT)"),
            Dialect::Postgres => format!("{ts}::text"),
        };
        Statement {
            sql: format!(
                "SELECT {cast} FROM {} WHERE {ts} IS NOT NULL LIMIT 1",
                self.table()
            ),
            binds: Vec::new(),
        }
    }
}
