//! Export of a view's series: one row per bucket, or per bucket and value of
//! a dimension, with every token kind and the cost. Pure shaping here; the
//! formats live in `output::csv` and `output::json`.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::analytics::trend::{bucket_index, View};
use crate::analytics::{DayModelRow, Report, Totals};
use crate::filter::Dimension;
use crate::period::shift_month;
use crate::pricing::PriceTable;

/// One exported row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRow {
    /// First local day of the bucket.
    pub start: NaiveDate,
    /// Last local day of the bucket.
    pub end: NaiveDate,
    /// The dimension value, when exporting by a dimension.
    pub key: Option<String>,
    /// Usage and cost.
    pub totals: Totals,
}

/// The last day of the bucket starting at `start`.
fn bucket_end(view: View, start: NaiveDate) -> NaiveDate {
    match view {
        View::Daily => start,
        View::Weekly => start + Days::new(6),
        View::Monthly => shift_month(start, 1) - Days::new(1),
    }
}

/// The series of a view as rows, straight from the report.
#[must_use]
pub fn series_rows(report: &Report, view: View) -> Vec<ExportRow> {
    report
        .series(view)
        .iter()
        .map(|bucket| ExportRow {
            start: bucket.start,
            end: bucket_end(view, bucket.start),
            key: None,
            totals: bucket.totals,
        })
        .collect()
}

/// The series of a view per value of a dimension, from (value, day x model)
/// rows: `starts` are the buckets' first days, and only days from
/// `first_day` to `last_day` count.
#[must_use]
pub fn dimension_rows(
    starts: &[NaiveDate],
    (first_day, last_day): (NaiveDate, NaiveDate),
    view: View,
    rows: &[(String, DayModelRow)],
    prices: &PriceTable,
) -> Vec<ExportRow> {
    let mut sums: BTreeMap<(usize, &str), Totals> = BTreeMap::new();
    for (key, row) in rows.iter().filter(|(_, row)| row.day >= first_day) {
        if let Some(index) = bucket_index(starts, last_day, row.day) {
            let totals = Totals::of_model(
                row.usage,
                &row.model,
                row.stored_cost,
                row.estimated,
                prices,
            );
            sums.entry((index, key.as_str())).or_default().add(&totals);
        }
    }
    sums.into_iter()
        .map(|((index, key), totals)| ExportRow {
            start: starts[index],
            end: bucket_end(view, starts[index]),
            key: Some(key.to_owned()),
            totals,
        })
        .collect()
}

/// The column title of a dimension's values.
#[must_use]
pub fn key_title(dimension: Option<Dimension>) -> Option<&'static str> {
    dimension.map(Dimension::name)
}
