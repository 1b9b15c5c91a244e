//! The immutable report: everything the screen and `usagetop report` show,
//! built in one pure pass from the store's grouped rows.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::forecast::{predict, Prediction};
use super::plan::QueryPlan;
use super::summary::{build_summaries, Summaries};
use super::trend::{build_trends, Trends};
use super::{Aggregates, ModelRow, Totals};
use crate::period::Calendar;
use crate::pricing::PriceTable;

/// Where a model's cost came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CostSource {
    /// A price entry (its name).
    Entry(String),
    /// The default price: an estimate.
    DefaultPrice,
    /// The cost the source stored.
    Stored,
}

/// Usage of one model with where its cost came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelTotals {
    /// The model name as recorded.
    pub model: String,
    /// Where the cost came from.
    pub source: CostSource,
    /// What it used and cost.
    pub totals: Totals,
}

impl ModelTotals {
    /// True unless the default price estimated it.
    #[must_use]
    pub fn priced(&self) -> bool {
        self.source != CostSource::DefaultPrice
    }
}

/// Per-model breakdowns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ByModel {
    /// This month, by cost, largest first.
    pub this_month: Vec<ModelTotals>,
    /// All time, by cost, largest first.
    pub all_time: Vec<ModelTotals>,
}

/// Everything one refresh produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The instant it describes.
    pub generated_at: DateTime<Utc>,
    /// The IANA zone of every date in it.
    pub timezone: String,
    /// The four summary blocks.
    pub summary: Summaries,
    /// Daily, weekly and monthly series.
    pub trends: Trends,
    /// Per-model breakdowns.
    pub by_model: ByModel,
    /// The month-end prediction.
    pub prediction: Prediction,
    /// The month is over (a range that ended in an earlier month): the
    /// prediction is its actual total and no estimate is shown.
    pub month_over: bool,
    /// The earliest event, if any.
    pub first_event: Option<DateTime<Utc>>,
    /// What people must know about the source (shown on screen and in reports).
    pub notes: Vec<String>,
    /// True when the source only knows UTC days (shown in the footer).
    pub daily_utc: bool,
    /// Rows left out as unusable (the notes say which).
    pub left_out: i64,
    /// The custom range (`--from`/`--to`), when one was asked for.
    pub range: Option<RangeSummary>,
    /// Each view's buckets split by model (of the custom range, when there is one).
    pub splits: super::split::Splits,
}

/// Totals and series over a custom range of local days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeSummary {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Everything in the range.
    pub totals: Totals,
    /// Per model, by cost.
    pub by_model: Vec<ModelTotals>,
    /// Days, weeks and months of the range.
    pub trends: Trends,
}

impl Report {
    /// What the series of a view spans: `last 30 days`, or the custom range.
    #[must_use]
    pub fn span_label(&self, view: crate::analytics::trend::View) -> String {
        match &self.range {
            Some(range) => format!(
                "{} – {}",
                range.from.format("%-d %b %Y"),
                range.to.format("%-d %b %Y")
            ),
            None => view.span().to_owned(),
        }
    }

    /// The series a view shows: the custom range's when there is one.
    #[must_use]
    pub fn series(
        &self,
        view: crate::analytics::trend::View,
    ) -> &[crate::analytics::trend::Bucket] {
        match &self.range {
            Some(range) => range.trends.series(view),
            None => self.trends.series(view),
        }
    }
}

impl Report {
    /// The names of the four summary blocks: today, this week, this month
    /// and all time; for a custom range (or a day in history), the day,
    /// week and month they are of, so that nothing says "today" of a day
    /// that is not today.
    #[must_use]
    pub fn block_labels(&self, live: bool) -> [String; 4] {
        if live && self.range.is_none() {
            return [
                "Today".to_owned(),
                "This week".to_owned(),
                "This month".to_owned(),
                "All time".to_owned(),
            ];
        }
        let day = |start: Option<NaiveDate>, format: &str| {
            start.map_or_else(String::new, |date| date.format(format).to_string())
        };
        [
            day(self.summary.today.start, "%b %-d"),
            format!("Week of {}", day(self.summary.this_week.start, "%b %-d")),
            day(self.summary.this_month.start, "%B %Y"),
            "All time".to_owned(),
        ]
    }

    /// True when the source holds no usage up to now.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.first_event.is_none() && self.summary.all_time.totals.usage.is_empty()
    }

    /// The currency of every cost.
    #[must_use]
    pub fn currency(&self) -> &'static str {
        "USD"
    }
}

/// Builds the report for `plan` from the store's rows.
#[must_use]
pub fn build_report(
    plan: &QueryPlan,
    calendar: &Calendar,
    rows: &Aggregates,
    prices: &PriceTable,
) -> Report {
    let mut per_day: BTreeMap<NaiveDate, Totals> = BTreeMap::new();
    let mut month_models: Vec<(&str, Totals, bool)> = Vec::new();
    for row in &rows.days {
        if row.day > plan.today {
            continue;
        }
        let totals = Totals::of_model(
            row.usage,
            &row.model,
            row.stored_cost,
            row.estimated,
            prices,
        );
        per_day.entry(row.day).or_default().add(&totals);
        if row.day >= plan.month_start {
            month_models.push((row.model.as_str(), totals, row.stored_cost.is_some()));
        }
    }
    let all_time_models = model_totals(
        rows.all_time.iter().map(|row| {
            let totals = Totals::of_model(
                row.usage,
                &row.model,
                row.stored_cost,
                row.estimated,
                prices,
            );
            (row.model.as_str(), totals, row.stored_cost.is_some())
        }),
        prices,
    );
    let this_month_models = model_totals(month_models.into_iter(), prices);
    let all_time: Totals = all_time_models.iter().map(|model| model.totals).sum();
    let first_day = rows.first_event.map(|instant| calendar.local_date(instant));
    let previous: [&[ModelRow]; 3] = [
        &rows.previous_day,
        &rows.previous_week,
        &rows.previous_month,
    ];

    let range = plan.range.map(|(from, to)| RangeSummary {
        from,
        to,
        totals: per_day.range(from..=to).map(|(_, totals)| *totals).sum(),
        by_model: model_totals(
            rows.days
                .iter()
                .filter(|row| row.day >= from && row.day <= to)
                .map(|row| {
                    let totals = Totals::of_model(
                        row.usage,
                        &row.model,
                        row.stored_cost,
                        row.estimated,
                        prices,
                    );
                    (row.model.as_str(), totals, row.stored_cost.is_some())
                }),
            prices,
        ),
        trends: crate::analytics::trend::range_trends(from, to, calendar, &per_day),
    });
    let trends = build_trends(plan, &per_day);
    let splits = match &range {
        Some(range) => super::split::Splits::build(&range.trends, range.to, &rows.days, prices),
        None => super::split::Splits::build(&trends, plan.today, &rows.days, prices),
    };
    Report {
        generated_at: plan.now,
        timezone: calendar.tz().name().to_owned(),
        summary: build_summaries(plan, &per_day, previous, all_time, first_day, prices),
        trends,
        by_model: ByModel {
            this_month: this_month_models,
            all_time: all_time_models,
        },
        month_over: plan.month_over,
        prediction: predict(
            plan,
            calendar,
            &per_day,
            first_day,
            &profile_samples(plan, &per_day, previous, prices),
        ),
        first_event: rows.first_event,
        notes: rows.notes.clone(),
        daily_utc: rows.daily_utc,
        left_out: rows.left_out,
        range,
        splits,
    }
}

/// Usage before now's time of day on the days of the hour-of-day profile
/// (yesterday, a week ago, a month ago), from the previous-period rows: each
/// previous span ends at the same time of day, so its total less the whole
/// days before its last day is that day's part before now.
fn profile_samples(
    plan: &QueryPlan,
    per_day: &BTreeMap<NaiveDate, Totals>,
    previous: [&[ModelRow]; 3],
    prices: &PriceTable,
) -> BTreeMap<NaiveDate, Totals> {
    let sum = |rows: &[ModelRow]| -> Totals {
        rows.iter()
            .map(|row| {
                Totals::of_model(
                    row.usage,
                    &row.model,
                    row.stored_cost,
                    row.estimated,
                    prices,
                )
            })
            .sum()
    };
    let mut samples = BTreeMap::new();
    let today = plan.today;
    let last_month = crate::period::shift_month(plan.month_start, -1);
    let spans = [
        Some((today - chrono::Days::new(1), today - chrono::Days::new(1))),
        Some((
            plan.week_start - chrono::Days::new(7),
            today - chrono::Days::new(7),
        )),
        // Past last month's length the span is all of last month: no sample.
        last_month
            .with_day(today.day())
            .filter(|day| day.month() == last_month.month())
            .map(|day| (last_month, day)),
    ];
    for (span, rows) in spans.into_iter().zip(previous) {
        let Some((start, day)) = span else {
            continue;
        };
        if day < plan.window_start_day || day >= today {
            continue;
        }
        let mut part = sum(rows);
        for (_, whole) in per_day.range(start..day) {
            part.cost -= whole.cost;
            part.usage.requests -= whole.usage.requests;
            part.usage.input_tokens -= whole.usage.input_tokens;
            part.usage.output_tokens -= whole.usage.output_tokens;
            part.usage.cache_read_tokens -= whole.usage.cache_read_tokens;
            part.usage.cache_write_tokens -= whole.usage.cache_write_tokens;
            part.usage.cache_write_1h_tokens -= whole.usage.cache_write_1h_tokens;
        }
        samples.insert(day, part);
    }
    samples
}

/// Merges (model, totals, stored) triples per model, sorted by cost then name.
fn model_totals<'a>(
    rows: impl Iterator<Item = (&'a str, Totals, bool)>,
    prices: &PriceTable,
) -> Vec<ModelTotals> {
    let mut merged: BTreeMap<&str, (Totals, bool)> = BTreeMap::new();
    for (model, totals, stored) in rows {
        let entry = merged.entry(model).or_insert((Totals::default(), false));
        entry.0.add(&totals);
        entry.1 |= stored;
    }
    let mut out: Vec<ModelTotals> = merged
        .into_iter()
        .map(|(model, (totals, stored))| {
            let source = if stored {
                CostSource::Stored
            } else {
                prices
                    .resolve(model)
                    .entry
                    .map_or(CostSource::DefaultPrice, CostSource::Entry)
            };
            ModelTotals {
                model: model.to_owned(),
                source,
                totals,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.totals
            .cost
            .cmp(&a.totals.cost)
            .then_with(|| a.model.cmp(&b.model))
    });
    out
}
