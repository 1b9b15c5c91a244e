//! The rows the SQL engines return, as named structs: grouped usage per
//! (day, model), per (day, dimension value, model), per model, per
//! (quarter hour, model) for the rollup cache. Each decodes from any sqlx
//! row by column position (the statements select their columns in this
//! order) and, for SQLite's one-text answers, from a JSON array of the same
//! values.

use rust_decimal::Decimal;
use serde::Deserialize;
use sqlx::{ColumnIndex, Decode, FromRow, Row, Type};

use super::lossy::LossyText;
use super::wide::WideSum;
use crate::analytics::{DayModelRow, ModelRow};
use crate::period::date_from_day_number;
use crate::usage::Usage;

/// Requests, the four token sums (with the 1-hour part of the cache writes)
/// and the stored cost (nano-dollars) of a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measures {
    /// Requests.
    pub requests: i64,
    /// Input tokens.
    pub input: WideSum,
    /// Output tokens.
    pub output: WideSum,
    /// Cache-read tokens.
    pub cache_read: WideSum,
    /// Cache-write tokens.
    pub cache_write: WideSum,
    /// The part of the cache writes written for one hour.
    pub cache_write_1h: WideSum,
    /// Stored cost in nano-dollars, when the source stores cost.
    pub cost_nanos: Option<i64>,
}

impl Measures {
    /// Usage and stored cost.
    #[must_use]
    pub fn usage(&self) -> (Usage, Option<Decimal>) {
        (
            Usage {
                requests: self.requests,
                input_tokens: self.input.0,
                output_tokens: self.output.0,
                cache_read_tokens: self.cache_read.0,
                cache_write_tokens: self.cache_write.0,
                cache_write_1h_tokens: self.cache_write_1h.0,
            },
            self.cost_nanos
                .map(|nanos| Decimal::new(nanos, 9).normalize()),
        )
    }

    /// Reads the seven measures starting at column `first`.
    fn read<'r, R: Row>(row: &'r R, first: usize) -> Result<Self, sqlx::Error>
    where
        usize: ColumnIndex<R>,
        i64: Decode<'r, R::Database> + Type<R::Database>,
        WideSum: Decode<'r, R::Database> + Type<R::Database>,
    {
        Ok(Self {
            requests: row.try_get(first)?,
            input: row.try_get(first + 1)?,
            output: row.try_get(first + 2)?,
            cache_read: row.try_get(first + 3)?,
            cache_write: row.try_get(first + 4)?,
            cache_write_1h: row.try_get(first + 5)?,
            cost_nanos: row.try_get(first + 6)?,
        })
    }
}

/// Usage of one model on one local day: day number, model, measures.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "DayValues")]
pub struct DayRow {
    /// Days since 1970-01-01 in the zone asked for.
    pub day: i64,
    /// Model name.
    pub model: String,
    /// Priced as an estimate (no stored cost, or only a total token count).
    pub estimated: bool,
    /// What it used.
    pub measures: Measures,
}

impl DayRow {
    /// The day row the analytics take.
    #[must_use]
    pub fn into_day_model_row(self) -> DayModelRow {
        let (usage, stored_cost) = self.measures.usage();
        DayModelRow {
            day: date_from_day_number(self.day),
            model: self.model,
            usage,
            stored_cost,
            estimated: self.estimated,
        }
    }
}

impl<'r, R: Row> FromRow<'r, R> for DayRow
where
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    LossyText: Decode<'r, R::Database> + Type<R::Database>,
    WideSum: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(Self {
            day: row.try_get(0)?,
            model: row.try_get::<LossyText, _>(1)?.0,
            estimated: row.try_get::<i64, _>(2)? != 0,
            measures: Measures::read(row, 3)?,
        })
    }
}

/// Usage of one model and one value of a dimension on one local day.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "KeyedValues")]
pub struct KeyedDayRow {
    /// Days since 1970-01-01 in the zone asked for.
    pub day: i64,
    /// The dimension's value (`(none)` for NULL).
    pub key: String,
    /// Model name.
    pub model: String,
    /// Priced as an estimate.
    pub estimated: bool,
    /// What it used.
    pub measures: Measures,
}

impl KeyedDayRow {
    /// The (value, day row) pair the breakdowns take.
    #[must_use]
    pub fn into_keyed(self) -> (String, DayModelRow) {
        let row = DayRow {
            day: self.day,
            model: self.model,
            estimated: self.estimated,
            measures: self.measures,
        };
        (self.key, row.into_day_model_row())
    }
}

impl<'r, R: Row> FromRow<'r, R> for KeyedDayRow
where
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    LossyText: Decode<'r, R::Database> + Type<R::Database>,
    WideSum: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(Self {
            day: row.try_get(0)?,
            key: row.try_get::<LossyText, _>(1)?.0,
            model: row.try_get::<LossyText, _>(2)?.0,
            estimated: row.try_get::<i64, _>(3)? != 0,
            measures: Measures::read(row, 4)?,
        })
    }
}

/// Usage of one model over a range.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "ModelValues")]
pub struct ModelSum {
    /// Model name.
    pub model: String,
    /// Priced as an estimate.
    pub estimated: bool,
    /// What it used.
    pub measures: Measures,
}

impl ModelSum {
    /// The model row the analytics take.
    #[must_use]
    pub fn into_model_row(self) -> ModelRow {
        let (usage, stored_cost) = self.measures.usage();
        ModelRow {
            model: self.model,
            usage,
            stored_cost,
            estimated: self.estimated,
        }
    }
}

impl<'r, R: Row> FromRow<'r, R> for ModelSum
where
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    LossyText: Decode<'r, R::Database> + Type<R::Database>,
    WideSum: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(Self {
            model: row.try_get::<LossyText, _>(0)?.0,
            estimated: row.try_get::<i64, _>(1)? != 0,
            measures: Measures::read(row, 2)?,
        })
    }
}

/// Usage per (15-minute UTC slot, model), as the rollup cache keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "RollupValues")]
pub struct RollupRow {
    /// Start of the slot (unix seconds); `None` for rows whose timestamp cannot be read.
    pub slot: Option<i64>,
    /// Model name (the default model for NULL).
    pub model: String,
    /// Priced as an estimate.
    pub estimated: bool,
    /// Usage of the kept rows.
    pub measures: Measures,
    /// Rows counted.
    pub kept: i64,
    /// Rows left out (a value that cannot be read, a negative token count).
    pub rejected: i64,
    /// Kept rows whose input was taken as stored (it excluded its cache tokens).
    pub adjusted: i64,
    /// The first kept timestamp (unix seconds).
    pub first: Option<i64>,
    /// The last timestamp (unix seconds).
    pub last: Option<i64>,
}

impl RollupRow {
    /// The usage of the kept rows.
    #[must_use]
    pub fn usage(&self) -> Usage {
        self.measures.usage().0
    }
}

impl<'r, R: Row> FromRow<'r, R> for RollupRow
where
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    LossyText: Decode<'r, R::Database> + Type<R::Database>,
    WideSum: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(Self {
            slot: row.try_get(0)?,
            model: row.try_get::<LossyText, _>(1)?.0,
            estimated: row.try_get::<i64, _>(2)? != 0,
            measures: Measures::read(row, 3)?,
            kept: row.try_get(10)?,
            rejected: row.try_get(11)?,
            adjusted: row.try_get(12)?,
            first: row.try_get(13)?,
            last: row.try_get(14)?,
        })
    }
}

/// Decodes SQLite's one-text answer: a JSON array of arrays, each holding a
/// row's values in column order.
///
/// # Errors
/// Text that is not such an array.
pub fn from_json_rows<T: for<'de> Deserialize<'de>>(text: &str) -> Result<Vec<T>, String> {
    serde_json::from_str(text).map_err(|error| error.to_string())
}

/// The JSON form of a day row: its values in column order.
type DayValues = (
    i64,
    String,
    i64,
    i64,
    WideSum,
    WideSum,
    WideSum,
    WideSum,
    WideSum,
    Option<i64>,
);

/// The JSON form of a keyed day row.
type KeyedValues = (
    i64,
    String,
    String,
    i64,
    i64,
    WideSum,
    WideSum,
    WideSum,
    WideSum,
    WideSum,
    Option<i64>,
);

impl From<KeyedValues> for KeyedDayRow {
    fn from(
        (
            day,
            key,
            model,
            estimated,
            requests,
            input,
            output,
            cache_read,
            cache_write,
            cache_write_1h,
            cost_nanos,
        ): KeyedValues,
    ) -> Self {
        Self {
            day,
            key,
            model,
            estimated: estimated != 0,
            measures: Measures {
                requests,
                input,
                output,
                cache_read,
                cache_write,
                cache_write_1h,
                cost_nanos,
            },
        }
    }
}

/// The JSON form of a model sum.
type ModelValues = (
    String,
    i64,
    i64,
    WideSum,
    WideSum,
    WideSum,
    WideSum,
    WideSum,
    Option<i64>,
);

/// The JSON form of a rollup row.
type RollupValues = (
    Option<i64>,
    String,
    i64,
    i64,
    WideSum,
    WideSum,
    WideSum,
    WideSum,
    WideSum,
    Option<i64>,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

impl From<DayValues> for DayRow {
    fn from(
        (
            day,
            model,
            estimated,
            requests,
            input,
            output,
            cache_read,
            cache_write,
            cache_write_1h,
            cost_nanos,
        ): DayValues,
    ) -> Self {
        Self {
            day,
            model,
            estimated: estimated != 0,
            measures: Measures {
                requests,
                input,
                output,
                cache_read,
                cache_write,
                cache_write_1h,
                cost_nanos,
            },
        }
    }
}

impl From<ModelValues> for ModelSum {
    fn from(
        (
            model,
            estimated,
            requests,
            input,
            output,
            cache_read,
            cache_write,
            cache_write_1h,
            cost_nanos,
        ): ModelValues,
    ) -> Self {
        Self {
            model,
            estimated: estimated != 0,
            measures: Measures {
                requests,
                input,
                output,
                cache_read,
                cache_write,
                cache_write_1h,
                cost_nanos,
            },
        }
    }
}

impl From<RollupValues> for RollupRow {
    fn from(
        (
            slot,
            model,
            estimated,
            requests,
            input,
            output,
            cache_read,
            cache_write,
            cache_write_1h,
            cost_nanos,
            kept,
            rejected,
            adjusted,
            first,
            last,
        ): RollupValues,
    ) -> Self {
        Self {
            slot,
            model,
            estimated: estimated != 0,
            measures: Measures {
                requests,
                input,
                output,
                cache_read,
                cache_write,
                cache_write_1h,
                cost_nanos,
            },
            kept,
            rejected,
            adjusted,
            first,
            last,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rows_read_by_position_into_named_fields() {
        let rollups: Vec<RollupRow> =
            from_json_rows(r#"[[900, "m", 0, 2, 10, "1:2", 0, 0, 0, null, 2, 1, 0, 901, 1700]]"#)
                .unwrap_or_default();
        assert_eq!(rollups.len(), 1);
        assert_eq!(rollups[0].slot, Some(900));
        assert_eq!(rollups[0].measures.output, WideSum((1 << 32) + 2));
        assert_eq!(rollups[0].rejected, 1);
        assert_eq!(rollups[0].last, Some(1700));
        let days: Vec<DayRow> =
            from_json_rows(r#"[[20000, "m", 1, 1, 2, 3, 4, 5, 7, 6]]"#).unwrap_or_default();
        assert_eq!(days[0].day, 20000);
        assert_eq!(days[0].measures.cost_nanos, Some(6));
        assert_eq!(days[0].measures.cache_write_1h, WideSum(7));
        assert!(days[0].estimated);
        let models: Vec<ModelSum> =
            from_json_rows(r#"[["m", 0, 1, 2, 3, 4, 5, 3, null]]"#).unwrap_or_default();
        assert_eq!(models[0].measures.cache_write, WideSum(5));
        assert_eq!(models[0].measures.cache_write_1h, WideSum(3));
        assert_eq!(
            models[0]
                .clone()
                .into_model_row()
                .usage
                .cache_write_1h_tokens,
            3
        );
        assert!(from_json_rows::<DayRow>(r#"[[1, 2]]"#).is_err());
    }
}
